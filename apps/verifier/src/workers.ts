import type { ConnectionOptions, Job, Queue } from 'bullmq';
import type { ErrorReporter } from '@signet/observability';
import { defaultJobOptions, JobNames, openWorker, QueueNames, withJobFailurePolicy, type TypedQueue } from '@signet/queue';
import { processRecheck, processRescan, processVerify, recheckJobId, type ScanProgress, type VerifierContext } from '@signet/verification';

/** How the verifier's workers run: their Redis connection and prefix, concurrency, rescan schedule and error reporter. */
export interface VerifierWorkersOptions {
  connection: ConnectionOptions;
  prefix: string;
  /** Verify and rescan jobs processed at once by this replica. */
  concurrency: number;
  rescan: { every?: number; cron?: string };
  /** The service's connection error reporter (see connectionFactory). */
  errors: ErrorReporter;
}

/** The push a verify job's data names, for its log lines (read before validation: a failed job may be invalid). */
function pushOf(data: unknown): { eventId?: string; pushJobId?: string } {
  const d = (data ?? {}) as { eventId?: unknown; pushJobId?: unknown };
  return {
    ...(typeof d.eventId === 'string' ? { eventId: d.eventId } : {}),
    ...(typeof d.pushJobId === 'string' ? { pushJobId: d.pushJobId } : {}),
  };
}

export interface VerifierWorkers {
  verifyQueue: TypedQueue<typeof QueueNames.verify>;
  rescanQueue: TypedQueue<typeof QueueNames.rescan>;
  close(): Promise<void>;
}

/** The rescan schedule's id: one scheduler for the deployment, however many replicas upsert it. */
export const RESCAN_SCHEDULER_ID = 'signet-rescan';

/** Grace-period re-checks go on the verify queue as `recheck` jobs; this builds the scheduler hook. */
export function recheckScheduler(
  verifyQueue: TypedQueue<typeof QueueNames.verify>,
  now: () => number = Date.now,
): NonNullable<VerifierContext['scheduleRecheck']> {
  return async (ref, digest, atMs, kind = 'grace', push = {}) => {
    const data = { v: 1 as const, ...ref, digest, ...(kind === 'look-again' ? { lookAgain: true } : {}), ...push };
    // A grace re-check runs a little past the end of the grace period, so it sees it over.
    const delay = Math.max(0, atMs - now()) + (kind === 'grace' ? 250 : 0);
    await verifyQueue.add(JobNames.recheck, data, { ...defaultJobOptions, jobId: recheckJobId(data, atMs), delay });
  };
}

/**
 * Wires the processors to BullMQ: a verify worker (signer decisions and grace re-checks), a rescan worker
 * (fan-out and per-repository scans) and the repeatable rescan schedule. Both follow the shared job-failure
 * policy: a job that can never succeed (invalid data, a registry not configured) fails at its first attempt,
 * anything else is retried with backoff.
 */
export async function startWorkers(
  ctx: VerifierContext,
  progress: ScanProgress,
  verifyQueue: TypedQueue<typeof QueueNames.verify>,
  rescanQueue: TypedQueue<typeof QueueNames.rescan>,
  opts: VerifierWorkersOptions,
): Promise<VerifierWorkers> {
  const common = { connection: opts.connection, prefix: opts.prefix, concurrency: opts.concurrency };
  const verify = openWorker(
    QueueNames.verify,
    withJobFailurePolicy(async (job: Job) =>
      job.name === JobNames.recheck ? processRecheck(ctx, job.data, job.id) : processVerify(ctx, job.data, job.id),
    ),
    common,
  );
  const rescan = openWorker(
    QueueNames.rescan,
    withJobFailurePolicy(async (job: Job) =>
      processRescan(
        {
          ctx,
          progress,
          enqueue: async (jobs) => {
            await rescanQueue.addBulk(
              jobs.map((j) => ({ name: JobNames.rescanRepository, data: j.data, opts: { ...defaultJobOptions, jobId: j.jobId } })),
            );
          },
        },
        { id: job.id, data: job.data },
      ),
    ),
    common,
  );
  for (const w of [verify, rescan]) {
    w.on('failed', (job, err) => {
      // BullMQ sets finishedOn only when the job will not run again (a permanent error, or its last attempt).
      const final = job?.finishedOn != null;
      const fields = { queue: w.name, jobId: job?.id, ...pushOf(job?.data), attempt: job?.attemptsMade, final, err };
      if (final) ctx.logger?.error(fields, 'job failed for good');
      else ctx.logger?.warn(fields, 'job failed; will retry');
    });
    // The worker's own blocking connection reports here too, rate-limited with the service's connections.
    opts.errors.watch(w, `worker:${w.name}`);
  }
  const repeat = opts.rescan.cron ? { pattern: opts.rescan.cron } : { every: opts.rescan.every ?? 60_000 };
  // BullMQ types a scheduler's id as a job name (its jobs are named after it unless the template names them).
  await (rescanQueue as Queue).upsertJobScheduler(RESCAN_SCHEDULER_ID, repeat, {
    name: JobNames.rescanAll,
    data: { v: 1, kind: 'all' },
    opts: { attempts: defaultJobOptions.attempts, backoff: defaultJobOptions.backoff },
  });
  return {
    verifyQueue,
    rescanQueue,
    async close() {
      await Promise.all([verify.close(), rescan.close()]);
    },
  };
}
