import { z } from 'zod';
import { isoTime, type Adapter, type AdapterContext } from '../adapter';
import { ResultCollector } from '../result-collector';
import { isManifestMediaType } from '../media-types';
import { parseWith } from '../json-body';

const text = z.string().nullish();

/** One notification event; ACR sends the same shape on its own, Distribution in `{ events: [...] }`. */
export const distributionEventSchema = z.looseObject({
  id: z.string().min(1),
  timestamp: text,
  action: z.string(),
  // Required only for the actions that name an image; other actions (ACR's `ping`) may omit it.
  target: z.unknown().optional(),
  actor: z.looseObject({ name: text }).nullish(),
});
type DistributionEvent = z.infer<typeof distributionEventSchema>;

const targetSchema = z.looseObject({
  mediaType: text,
  digest: text,
  repository: z.string(),
  tag: text,
  artifactType: text,
  subject: z.unknown().optional(),
  references: z.array(z.looseObject({ mediaType: text })).nullish(),
});

const envelopeSchema = z.looseObject({ events: z.array(z.unknown()) });

/** Adds one Distribution-shaped event: manifest pushes and deletes become events, the rest is counted. */
export function collectDistributionEvent(collector: ResultCollector, event: DistributionEvent, ctx: AdapterContext, path: string): void {
  const action = event.action.toLowerCase();
  if (action === 'pull' || action === 'mount') return collector.ignore(action);
  if (action !== 'push' && action !== 'delete') return collector.ignore('unsupported-action');
  const target = parseWith(targetSchema, event.target, ctx.source, `${path}target`);
  if (action === 'push') {
    // Blob pushes say application/octet-stream and carry no tag; a sender that omits the media type of a
    // tagged push is describing a manifest.
    const isManifest = target.mediaType ? isManifestMediaType(target.mediaType) : Boolean(target.tag);
    if (!isManifest) return collector.ignore('not-a-manifest');
  }
  collector.add({
    kind: action,
    repository: target.repository,
    tag: target.tag,
    digest: target.digest,
    mediaType: target.mediaType,
    actor: event.actor?.name,
    eventId: event.id,
    occurredAt: isoTime(event.timestamp, ctx.options),
    signature: {
      artifactType: target.artifactType ?? undefined,
      subject: target.subject,
      referenceMediaTypes: (target.references ?? []).flatMap((r) => (r.mediaType ? [r.mediaType] : [])),
    },
  });
}

export const parseDistribution: Adapter = (ctx) => {
  const envelope = parseWith(envelopeSchema, ctx.body, 'distribution');
  const collector = new ResultCollector(ctx);
  envelope.events.forEach((raw, i) => {
    const event = parseWith(distributionEventSchema, raw, 'distribution', `events.${i}`);
    collectDistributionEvent(collector, event, ctx, `events.${i}.`);
  });
  return collector.result();
};
