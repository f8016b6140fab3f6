import { isDigest } from '@signet/oci';
import { z } from 'zod';
import { bodyEventId, isoTime, type Adapter } from '../adapter';
import { ignoredResult, ResultCollector } from '../result-collector';
import { parseWith } from '../json-body';

const text = z.string().nullish();

const envelopeSchema = z.looseObject({ event_type: z.string(), domain: text, data: z.unknown().optional() });
const dataSchema = z.looseObject({ image_name: z.string(), tag: text, sha256: text });

const KINDS = new Map<string, 'push' | 'delete'>([
  ['pushed', 'push'],
  ['deleted', 'delete'],
]);
/**
 * JFrog Artifactory docker-domain webhooks. Current senders wrap the event in `{ domain, event_type, data }`;
 * the documented example is flat (`{ event_type, image_name, tag, sha256, ... }`); both are read.
 */
export const parseArtifactory: Adapter = (ctx) => {
  const envelope = parseWith(envelopeSchema, ctx.body, 'Artifactory');
  const kind = KINDS.get(envelope.event_type);
  if ((envelope.domain && envelope.domain !== 'docker') || kind === undefined) {
    return ignoredResult(ctx, 'unsupported-event-type');
  }
  const wrapped = typeof envelope.data === 'object' && envelope.data !== null;
  const data = parseWith(dataSchema, wrapped ? envelope.data : ctx.body, 'Artifactory', wrapped ? 'data' : '');
  // `sha256` is the checksum of the stored manifest file, which is the manifest digest.
  const sha256 = data.sha256?.toLowerCase();
  const collector = new ResultCollector(ctx);
  collector.add({
    kind,
    repository: data.image_name,
    tag: data.tag,
    // A malformed hash is left out rather than refused: the tag still names the push.
    digest: sha256 && isDigest(`sha256:${sha256}`) ? `sha256:${sha256}` : undefined,
    eventId: bodyEventId(ctx.rawBody),
    occurredAt: isoTime(undefined, ctx.options),
  });
  return collector.result();
};
