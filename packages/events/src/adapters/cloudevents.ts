import { z } from 'zod';
import { readCloudEvent } from '../cloudevent';
import { isoTime, type Adapter } from '../adapter';
import { ResultCollector } from '../result-collector';
import { WebhookPayloadError } from '../errors';
import { parseWith } from '../json-body';
import { isDigest } from '@signet/oci';
import { collectHarborCloudEvent, isHarborCloudEventType } from './harbor';

const text = z.string().nullish();

/** Zot's event data (`name`, `reference`, `digest`, `mediaType`, `actor`), with common aliases. */
const imageDataSchema = z.looseObject({
  name: text,
  repository: text,
  reference: text,
  tag: text,
  digest: text,
  mediaType: text,
  artifactType: text,
  subject: z.unknown().optional(),
  actor: z.union([z.string(), z.looseObject({ name: text })]).nullish(),
});

/** Event types end in the change they report (`zotregistry.image.updated`, `<prefix>.image.deleted`). */
function kindOf(type: string): 'push' | 'delete' | undefined {
  const t = type.toLowerCase();
  if (/\.(image\.updated|pushed|push)$/.test(t)) return 'push';
  if (/\.(deleted|delete)$/.test(t)) return 'delete';
  return undefined;
}

/** Any CloudEvents sender, binary or structured mode; Harbor's types are read as Harbor's data. */
export const parseCloudEvents: Adapter = (ctx) => {
  const event = readCloudEvent(ctx);
  const collector = new ResultCollector(ctx);
  if (isHarborCloudEventType(event.type)) {
    collectHarborCloudEvent(collector, event, ctx);
    return collector.result();
  }
  const kind = kindOf(event.type);
  if (kind === undefined) {
    collector.ignore('unsupported-event-type');
    return collector.result();
  }
  const data = parseWith(imageDataSchema, event.data, 'CloudEvents image', 'data');
  const repository = data.repository ?? data.name;
  if (!repository) {
    throw new WebhookPayloadError('CloudEvent names no repository', [{ path: 'data.name', message: 'required' }]);
  }
  const reference = data.reference ?? undefined;
  const referenceIsDigest = reference !== undefined && isDigest(reference);
  collector.add({
    kind,
    repository,
    tag: data.tag ?? (referenceIsDigest ? undefined : reference),
    digest: data.digest ?? (referenceIsDigest ? reference : undefined),
    mediaType: data.mediaType,
    actor: typeof data.actor === 'string' ? data.actor : data.actor?.name,
    eventId: event.id,
    occurredAt: isoTime(event.time, ctx.options),
    signature: { artifactType: data.artifactType ?? undefined, subject: data.subject },
  });
  return collector.result();
};
