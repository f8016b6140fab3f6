import { z } from 'zod';
import { isoTime, type Adapter } from '../adapter';
import { ignoredResult, ResultCollector } from '../result-collector';
import { parseWith } from '../json-body';

const text = z.string().nullish();

const envelopeSchema = z.looseObject({
  id: z.string().min(1),
  'detail-type': z.string(),
  time: text,
  detail: z.unknown(),
});
const detailSchema = z.looseObject({
  result: text,
  'repository-name': z.string(),
  'action-type': z.string(),
  'image-digest': text,
  'image-tag': text,
  'manifest-media-type': text,
  'artifact-media-type': text,
});

/** AWS ECR "ECR Image Action" events delivered by an EventBridge API destination. */
export const parseEcr: Adapter = (ctx) => {
  const envelope = parseWith(envelopeSchema, ctx.body, 'ECR EventBridge');
  // The same rule may route scan and replication events here; they are not image changes.
  if (envelope['detail-type'] !== 'ECR Image Action') return ignoredResult(ctx, 'unsupported-event-type');
  const detail = parseWith(detailSchema, envelope.detail, 'ECR EventBridge', 'detail');
  const action = detail['action-type'].toUpperCase();
  if (detail.result !== 'SUCCESS') return ignoredResult(ctx, 'unsuccessful');
  if (action !== 'PUSH' && action !== 'DELETE') return ignoredResult(ctx, 'unsupported-action');
  const collector = new ResultCollector(ctx);
  collector.add({
    kind: action === 'PUSH' ? 'push' : 'delete',
    repository: detail['repository-name'],
    tag: detail['image-tag'],
    digest: detail['image-digest'],
    mediaType: detail['manifest-media-type'],
    eventId: envelope.id,
    occurredAt: isoTime(envelope.time, ctx.options),
    signature: { artifactType: detail['artifact-media-type'] ?? undefined },
  });
  return collector.result();
};
