import { z } from 'zod';
import { bodyEventId, isoTime, type Adapter } from '../adapter';
import { ResultCollector } from '../result-collector';
import { parseWith } from '../json-body';

const bodySchema = z.looseObject({
  push_data: z.looseObject({
    pushed_at: z.number().nullish(),
    pusher: z.string().nullish(),
    tag: z.string().nullish(),
  }),
  repository: z.looseObject({ repo_name: z.string() }),
});

/**
 * Docker Hub: a tag push without a digest (resolved later through the configured registry). The body's
 * `callback_url` is never called.
 */
export const parseDockerhub: Adapter = (ctx) => {
  const body = parseWith(bodySchema, ctx.body, 'Docker Hub');
  const collector = new ResultCollector(ctx);
  collector.add({
    kind: 'push',
    repository: body.repository.repo_name,
    tag: body.push_data.tag,
    actor: body.push_data.pusher,
    eventId: bodyEventId(ctx.rawBody),
    occurredAt: isoTime(body.push_data.pushed_at, ctx.options),
  });
  return collector.result();
};
