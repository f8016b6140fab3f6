import { z } from 'zod';
import { isBinaryMode, isStructuredMode, readCloudEvent, type CloudEvent } from '../cloudevent';
import { bodyEventId, isoTime, type Adapter, type AdapterContext } from '../adapter';
import { ignoredResult, ResultCollector } from '../result-collector';
import { parseWith } from '../json-body';

const text = z.string().nullish();

/** `event_data` in the default format, `data` in the CloudEvents format. */
const harborDataSchema = z.looseObject({
  resources: z.array(z.looseObject({ digest: text, tag: text })).nullish(),
  repository: z.looseObject({ name: text, namespace: text, repo_full_name: text }),
  operator: text,
});
type HarborData = z.infer<typeof harborDataSchema>;

const defaultTypeSchema = z.looseObject({ type: z.string() });
const defaultSchema = z.looseObject({
  type: z.string(),
  occur_at: z.number().nullish(),
  operator: text,
  event_data: harborDataSchema,
});

type Kind = 'push' | 'delete';
const DEFAULT_KINDS = new Map<string, Kind>([
  ['PUSH_ARTIFACT', 'push'],
  ['DELETE_ARTIFACT', 'delete'],
]);
const CLOUDEVENT_KINDS = new Map<string, Kind>([
  ['harbor.artifact.pushed', 'push'],
  ['harbor.artifact.deleted', 'delete'],
]);

interface HarborEnvelope {
  kind: Kind;
  /** Base of the event ids: the CloudEvent id, or the body hash. */
  eventId: (index: number, total: number) => string;
  occurredAt: string;
  actor?: string | null;
}

function collectResources(collector: ResultCollector, data: HarborData, envelope: HarborEnvelope): void {
  const { repo_full_name: fullName, namespace, name } = data.repository;
  const repository = fullName ?? (namespace && name ? `${namespace}/${name}` : '');
  const resources = data.resources ?? [];
  resources.forEach((resource, i) => {
    collector.add({
      kind: envelope.kind,
      repository,
      tag: resource.tag,
      digest: resource.digest,
      actor: envelope.actor ?? data.operator,
      eventId: envelope.eventId(i, resources.length),
      occurredAt: envelope.occurredAt,
    });
  });
}

/** Harbor's CloudEvents types, shared with the generic CloudEvents adapter. */
export function collectHarborCloudEvent(collector: ResultCollector, event: CloudEvent, ctx: AdapterContext): void {
  const kind = CLOUDEVENT_KINDS.get(event.type);
  if (kind === undefined) return collector.ignore('unsupported-event-type');
  const data = parseWith(harborDataSchema, event.data, 'Harbor CloudEvents', 'data');
  collectResources(collector, data, {
    kind,
    eventId: (i, total) => (total > 1 ? `${event.id}-${i}` : event.id),
    occurredAt: isoTime(event.time, ctx.options),
    actor: event.extensions['operator'],
  });
}

export const isHarborCloudEventType = (type: string): boolean => type.startsWith('harbor.');

export const parseHarbor: Adapter = (ctx) => {
  if (isBinaryMode(ctx.headers) || isStructuredMode(ctx.headers, ctx.body)) {
    const collector = new ResultCollector(ctx);
    collectHarborCloudEvent(collector, readCloudEvent(ctx), ctx);
    return collector.result();
  }
  const kind = DEFAULT_KINDS.get(parseWith(defaultTypeSchema, ctx.body, 'Harbor').type);
  // Scans, quotas and replication events have other shapes; they are not image changes.
  if (kind === undefined) return ignoredResult(ctx, 'unsupported-event-type');
  const body = parseWith(defaultSchema, ctx.body, 'Harbor');
  const collector = new ResultCollector(ctx);
  collectResources(collector, body.event_data, {
    kind,
    eventId: (i, total) => bodyEventId(ctx.rawBody, i, total),
    occurredAt: isoTime(body.occur_at, ctx.options),
    actor: body.operator,
  });
  return collector.result();
};
