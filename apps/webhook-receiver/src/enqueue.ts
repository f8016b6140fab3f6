import { Job } from 'bullmq';
import type { Cluster, Redis } from 'ioredis';
// BullMQ's own add-job script and the version its scripts are named by (`addStandardJob:<version>`).
import { addStandardJob } from 'bullmq/dist/cjs/scripts/addStandardJob-9';
import { version as bullmqVersion } from 'bullmq/dist/cjs/version';
import { SignetError } from '@signet/errors';
import type { PushEvent } from '@signet/events';
import { JobNames, pushJobId, type PushJob, type QueueNames, type TypedQueue } from '@signet/queue';

/** Redis could not take the jobs: the sender must retry (HTTP 503). Nothing was half-queued. */
export class QueueUnavailableError extends SignetError<'QUEUE_UNAVAILABLE'> {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('QUEUE_UNAVAILABLE', message, { ...options, retryable: true });
  }
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

const ADD_JOB_COMMAND = `${addStandardJob.name}:${bullmqVersion}`;
const BATCH_COMMAND = `signetAddJobs:${bullmqVersion}`;

/**
 * BullMQ's add-job script, unchanged, as a function run once per job of a batch, each run preceded by the
 * existence check that tells a new job from a redelivered one. KEYS are the queue's keys (as BullMQ passes
 * them); ARGV is the job-key prefix, then for each job its id and BullMQ's three encoded arguments.
 */
const ADD_JOBS_LUA = `local function addStandardJob(KEYS, ARGV)
${addStandardJob.content}
end
local existed = {}
local prefix = ARGV[1]
for i = 2, #ARGV, 4 do
  existed[#existed + 1] = redis.call("EXISTS", prefix .. ARGV[i])
  addStandardJob(KEYS, { ARGV[i + 1], ARGV[i + 2], ARGV[i + 3] })
end
return existed
`;

/** Most jobs one script run carries; larger bursts flush in several. */
const MAX_BATCH = 500;
/**
 * Script runs on the wire at once. Requests arriving meanwhile wait and go out together in the next one
 * (group commit): one round trip and one script run per burst instead of per request, without a timer.
 */
const MAX_IN_FLIGHT = 2;

/**
 * Puts push and delete events on `signet.push` with deterministic job ids, so a redelivered webhook is not
 * queued twice. Each batch is one script run: for each job an existence check, then BullMQ's own add-job
 * script. Redis runs a script alone, and a script cut off on the wire never runs, so one body's jobs are queued
 * together or not at all and the duplicate count is exact. (Redis does not roll back a script that fails
 * midway; the jobs it added then count as duplicates when the sender redelivers: none lost, none doubled.)
 * Jobs are encoded by BullMQ's Job class itself, so a worker sees exactly what Queue.add would have written.
 */
export class PushEnqueuer implements Enqueuer {
  private pending: Pending[] = [];
  private scheduled = false;
  private inFlight = 0;

  /**
   * @param queue `signet.push`, whose keys, options and job encoding are used.
   * @param connection a connection of the enqueuer's own (a producer connection: fails fast while Redis is
   *   down), on which the batch script is defined.
   */
  constructor(
    private readonly queue: TypedQueue<typeof QueueNames.push>,
    private readonly connection: Redis | Cluster,
  ) {
    if (!(BATCH_COMMAND in connection)) {
      connection.defineCommand(BATCH_COMMAND, { numberOfKeys: addStandardJob.keys, lua: ADD_JOBS_LUA });
    }
  }

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

  /**
   * Lets BullMQ's Job.addJob encode a job exactly as it would for Queue.add, and captures the script arguments
   * instead of sending them: `[...queueKeys, packedArgs, data, packedOpts]`. A script other than the add-job
   * one (which other job options would select) is recorded rather than thrown, since addJob is async and
   * would turn a throw into a stray rejection.
   */
  private encode(id: string, job: PushJob): string[] {
    let captured: unknown[] | undefined;
    let unexpected: string | undefined;
    const client = {
      runCommand: (name: string, args: unknown[]) => {
        if (name === ADD_JOB_COMMAND) captured = args;
        else unexpected = name;
        return 1;
      },
    };
    void new Job(this.queue, JobNames.push, job, { ...this.queue.defaultJobOptions, jobId: id }, id).addJob(client as never);
    if (!captured || captured.length !== addStandardJob.keys + 3) {
      throw new Error(`BullMQ encoded job ${id} for ${unexpected ?? 'an unknown script'}, which the enqueuer does not run`);
    }
    return captured as string[];
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
      // The queue's keys lead every job's arguments alike; the batch passes them once, then the job-key prefix.
      const args: string[] = [];
      for (const id of ids) {
        const encoded = this.encode(id, all.get(id)!);
        if (args.length === 0) args.push(...encoded.slice(0, addStandardJob.keys), this.queue.toKey(''));
        args.push(id, encoded[addStandardJob.keys]!, encoded[addStandardJob.keys + 1]!, encoded[addStandardJob.keys + 2]!);
      }
      const existed = (await this.runBatch(args)) as number[];
      if (!Array.isArray(existed) || existed.length !== ids.length) throw new Error('unexpected reply from the add-jobs script');
      const existing = new Set(ids.filter((_, i) => existed[i] === 1));
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

  private runBatch(args: string[]): Promise<unknown> {
    return (this.connection as unknown as Record<string, (args: string[]) => Promise<unknown>>)[BATCH_COMMAND]!(args);
  }
}
