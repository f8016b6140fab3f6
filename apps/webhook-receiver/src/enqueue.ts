import { Job, type Queue } from 'bullmq';
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

/** Puts a body's events on `signet.push`. */
export interface Enqueuer {
  enqueue(events: PushEvent[]): Promise<EnqueueResult>;
  /** Waits for queued writes, then releases what the enqueuer opened. */
  close(): Promise<void>;
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
 * Transactions on the wire at once. Requests arriving meanwhile wait and go out together in the next one
 * (group commit): one round trip and one transaction per burst instead of per request, without a timer.
 */
const MAX_IN_FLIGHT = 2;

/**
 * Puts push and delete events on `signet.push` with deterministic job ids, so a redelivered webhook is not
 * queued twice. Each transaction (MULTI/EXEC) holds the existence checks for its job ids followed by BullMQ's
 * own add-job script for each job: one body's jobs are queued all together or not at all, and the duplicate
 * count is exact because nothing runs between the checks and the adds.
 */
export class PushEnqueuer implements Enqueuer {
  private pending: Pending[] = [];
  private scheduled = false;
  private inFlight = 0;

  constructor(private readonly queue: Queue) {}

  enqueue(events: PushEvent[]): Promise<EnqueueResult> {
    const receivedAt = new Date().toISOString();
    const jobs = new Map<string, PushJob>();
    for (const event of events) jobs.set(pushJobId(event), { v: 1, event, receivedAt });
    if (jobs.size === 0) return Promise.resolve({ accepted: 0, duplicates: 0 });
    return new Promise((resolve, reject) => {
      this.pending.push({ jobs, extraDuplicates: events.length - jobs.size, resolve, reject });
      this.schedule();
    });
  }

  private idle: Array<() => void> = [];

  /** Resolves once every accepted body has been written or failed. The queue's connection is its owner's. */
  close(): Promise<void> {
    if (this.pending.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= MAX_IN_FLIGHT || this.pending.length === 0) return;
    this.scheduled = true;
    // Lets the requests already parsed in this turn of the event loop join the batch.
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.pending.length > 0 && this.inFlight < MAX_IN_FLIGHT) {
      const batch: Pending[] = [];
      let size = 0;
      while (this.pending.length > 0 && (batch.length === 0 || size + this.pending[0]!.jobs.size <= MAX_BATCH)) {
        const p = this.pending.shift()!;
        size += p.jobs.size;
        batch.push(p);
      }
      this.inFlight++;
      void this.write(batch).finally(() => {
        this.inFlight--;
        this.schedule();
        if (this.inFlight === 0 && this.pending.length === 0) for (const done of this.idle.splice(0)) done();
      });
    }
  }

  private async write(batch: Pending[]): Promise<void> {
    const all = new Map<string, PushJob>();
    for (const p of batch) for (const [id, job] of p.jobs) all.set(id, job);
    const ids = [...all.keys()];
    try {
      // Queue.addBulk would do the same adds in a plain pipeline; a transaction also carries the checks.
      const defaults = this.queue.defaultJobOptions;
      const client = await this.queue.client;
      const tx = client.multi();
      // runCommand forwards to the ioredis transaction's own `exists`.
      for (const id of ids) tx.runCommand('exists', [this.queue.toKey(id)]);
      for (const id of ids) void new Job(this.queue, 'push', all.get(id)!, { ...defaults, jobId: id }, id).addJob(tx);
      const replies = await tx.exec();
      if (!replies) throw new Error('transaction discarded');
      const failed = replies.find(([err]) => err);
      if (failed) throw failed[0]!;
      const existing = new Set(ids.filter((_, i) => replies[i]![1] === 1));
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
