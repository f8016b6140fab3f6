import type { Adapter } from '../adapter';
import { ResultCollector } from '../result-collector';
import { parseWith } from '../json-body';
import { collectDistributionEvent, distributionEventSchema } from './distribution';

/** Azure Container Registry webhooks: one Distribution-shaped event per request, without an actor. */
export const parseAcr: Adapter = (ctx) => {
  const event = parseWith(distributionEventSchema, ctx.body, 'acr');
  const collector = new ResultCollector(ctx);
  collectDistributionEvent(collector, event, ctx, '');
  return collector.result();
};
