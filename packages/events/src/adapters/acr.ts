import { ResultCollector, type Adapter } from '../context';
import { parseWith } from '../payload';
import { collectDistributionEvent, distributionEventSchema } from './distribution';

/** Azure Container Registry webhooks: one Distribution-shaped event per request, without an actor. */
export const parseAcr: Adapter = (ctx) => {
  const event = parseWith(distributionEventSchema, ctx.body, 'acr');
  const collector = new ResultCollector(ctx);
  collectDistributionEvent(collector, event, ctx, '');
  return collector.result();
};
