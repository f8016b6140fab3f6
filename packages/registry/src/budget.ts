/**
 * Paces requests to one registry. The client calls `acquire()` before every request. The shared
 * implementation lives with the rest of Signet's Redis coordination (`RedisRequestBudget` in @signet/queue).
 */
export interface RequestBudget {
  acquire(): Promise<void>;
  /** The registry said no requests remain (`RateLimit-Remaining: 0`): spend the bucket. */
  drain(): Promise<void>;
  /** The registry asked us to wait (`Retry-After`): every client sharing the bucket pauses. */
  pauseFor(ms: number): Promise<void>;
}
