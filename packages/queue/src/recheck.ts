import { DIGEST_PATTERN } from '@signet/oci';
import { z } from 'zod';

/**
 * `recheck` jobs on `signet.verify`: a pending overwrite judged again when its grace period or signature window
 * ends, or (`lookAgain`) a tag looked at again after a push named a digest the registry did not show. Version 1.
 */
export const recheckJobSchema = z.object({
  v: z.literal(1),
  registry: z.string().min(1),
  repository: z.string().min(1),
  tag: z.string().min(1),
  digest: z.string().regex(DIGEST_PATTERN),
  lookAgain: z.boolean().optional(),
  /** A look-again names the push that asked for it, for the logs (optional: older jobs have none). */
  eventId: z.string().optional(),
  pushJobId: z.string().optional(),
});
export type RecheckJob = z.infer<typeof recheckJobSchema>;
