import { z } from 'zod';
import { bodyEventId, isoTime, type Adapter } from '../adapter';
import { ResultCollector } from '../result-collector';
import { parseWith } from '../json-body';

const bodySchema = z.looseObject({ repository: z.string(), updated_tags: z.array(z.string()) });

/** Quay repository push: one tag push per updated tag, digests resolved later. */
export const parseQuay: Adapter = (ctx) => {
  const body = parseWith(bodySchema, ctx.body, 'Quay');
  const collector = new ResultCollector(ctx);
  const occurredAt = isoTime(undefined, ctx.options);
  body.updated_tags.forEach((tag, i, tags) => {
    collector.add({
      kind: 'push',
      repository: body.repository,
      tag,
      eventId: bodyEventId(ctx.rawBody, i, tags.length),
      occurredAt,
    });
  });
  return collector.result();
};
