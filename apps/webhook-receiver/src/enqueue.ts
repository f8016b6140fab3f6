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

interface Pending {
  jobs: Map<string, PushJob>;
  extraDuplicates: number;
  resolve: (r: EnqueueResult) => void;
  reject: (e: Error) => void;
}

/** Most jobs one Redis transaction carries; larger bursts flush in several. */
const MAX_BATCH = 500;

/**
 * Puts push and delete events on `signet.push` with deterministic job ids, so a redelivered webhook is not
 * queued twice. Requests that arrive together share one `addBulk` (a MULTI transaction): fewer round trips
 * under load, and each body's jobs are queued all together or not at all.
 */
export class PushEnqueuer {
  private pending: Pending[] = [];
  private scheduled = false;

  constructor(
    private readonly queue: Queue,
    private readonly redis: Redis | Cluster,
  ) {}

  enqueue(events: PushEvent[]): Promise<EnqueueResult> {
    const receivedAt = new Date().toISOString();
    const jobs = new Map<string, PushJob>();
    for (const event of events) jobs.set(pushJobId(event), { v: 1, event, receivedAt });
    if (jobs.size === 0) return Promise.resolve({ accepted: 0, duplicates: 0 });
    return new Promise((resolve, reject) => {
      this.pending.push({ jobs, extraDuplicates: events.length - jobs.size, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    while (this.pending.length > 0) {
      const batch: Pending[] = [];
      let size = 0;
      while (this.pending.length > 0 && (batch.length === 0 || size + this.pending[0]!.jobs.size <= MAX_BATCH)) {
        const p = this.pending.shift()!;
        size += p.jobs.size;
        batch.push(p);
      }
      void this.write(batch);
    }
  }

  private async write(batch: Pending[]): Promise<void> {
    const all = new Map<string, PushJob>();
    for (const p of batch) for (const [id, job] of p.jobs) all.set(id, job);
    const ids = [...all.keys()];
    try {
      // Counting only: the job ids alone make the add idempotent. The EXISTS commands go out on the same
      // connection ahead of the add's transaction, so they see the state before it, in the same round trip.
      const existsReplies = Promise.all(ids.map((id) => this.redis.exists(this.queue.toKey(id))));
      const added = this.queue.addBulk(ids.map((id) => ({ name: 'push', data: all.get(id)!, opts: { jobId: id } })));
      const [exists] = await Promise.all([existsReplies, added]);
      const existing = new Set(ids.filter((_, i) => exists[i] === 1));
      const claimed = new Set<string>();
      for (const p of batch) {
        let accepted = 0;
        let duplicates = p.extraDuplicates;
        for (const id of p.jobs.keys()) {
          // A job id sent twice in one batch (a redelivery racing the original) counts once as accepted.
          if (existing.has(id) || claimed.has(id)) duplicates++;
          else {
            accepted++;
            claimed.add(id);
          }
        }
        p.resolve({ accepted, duplicates });
      }
    } catch (err) {
      const e = new QueueUnavailableError(`cannot queue events: ${(err as Error).message}`, { cause: err });
      for (const p of batch) p.reject(e);
    }
  }
}
