import type { Queue } from 'bullmq';
import type { Cluster, Redis } from 'ioredis';
import type { PushEvent } from '@signet/events';
import { pushJobId, type PushJob } from '@signet/queue';

/** Redis could not take the jobs: the sender must retry (HTTP 503). Nothing was half-queued. */
export class QueueUnavailableError extends Error {
  readonly code = 'QUEUE_UNAVAILABLE';
}

export interface EnqueueResult {
  accepted: number;
  duplicates: number;
}

/**
 * Puts push and delete events on `signet.push` with deterministic job ids, so a redelivered webhook is not
 * queued twice. One `addBulk` (a MULTI transaction) per body: all of a body's jobs are queued, or none.
 */
export class PushEnqueuer {
  constructor(
    private readonly queue: Queue,
    private readonly redis: Redis | Cluster,
  ) {}

  async enqueue(events: PushEvent[]): Promise<EnqueueResult> {
    const receivedAt = new Date().toISOString();
    const byId = new Map<string, PushJob>();
    for (const event of events) byId.set(pushJobId(event), { v: 1, event, receivedAt });
    const ids = [...byId.keys()];
    if (ids.length === 0) return { accepted: 0, duplicates: 0 };
    try {
      // Counting only: the job ids alone make the add idempotent.
      const exists = await Promise.all(ids.map((id) => this.redis.exists(this.queue.toKey(id))));
      const duplicates = exists.filter((n) => n === 1).length + (events.length - ids.length);
      await this.queue.addBulk(ids.map((id) => ({ name: 'push', data: byId.get(id)!, opts: { jobId: id } })));
      return { accepted: ids.length - exists.filter((n) => n === 1).length, duplicates };
    } catch (err) {
      throw new QueueUnavailableError(`cannot queue events: ${(err as Error).message}`, { cause: err });
    }
  }
}
