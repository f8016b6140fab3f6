import { Queue, Worker, type ConnectionOptions, type Job, type QueueOptions, type WorkerOptions } from 'bullmq';
import type { PushJob, RescanJob, VerifyJob } from './jobs';
import { JobNames, QueueNames, type QueueName } from './names';
import type { RecheckJob } from './recheck';

/** What each queue carries: job name → payload. */
export interface QueueJobs {
  [QueueNames.push]: { [JobNames.push]: PushJob };
  [QueueNames.verify]: { [JobNames.verify]: VerifyJob; [JobNames.recheck]: RecheckJob };
  [QueueNames.rescan]: {
    [JobNames.rescanAll]: Extract<RescanJob, { kind: 'all' }>;
    [JobNames.rescanRepository]: Extract<RescanJob, { kind: 'repository' }>;
  };
}

/** The payloads queue `Q` accepts (for a union of queues, any of theirs: the dashboard reads every queue). */
export type JobData<Q extends QueueName> = Q extends QueueName ? QueueJobs[Q][keyof QueueJobs[Q]] : never;
/** The job names queue `Q` accepts. */
export type JobNameOf<Q extends QueueName> = Q extends QueueName ? keyof QueueJobs[Q] & string : never;

/** A BullMQ queue that takes only its own payloads and job names. */
export type TypedQueue<Q extends QueueName> = Queue<JobData<Q>, unknown, JobNameOf<Q>>;
/** A BullMQ worker on queue `Q`. Its jobs' data is typed as the payload, and still validated on read (readJob). */
export type TypedWorker<Q extends QueueName, R = unknown> = Worker<JobData<Q>, R, JobNameOf<Q>>;
export type TypedJob<Q extends QueueName> = Job<JobData<Q>, unknown, JobNameOf<Q>>;

export type QueueSettings = Omit<QueueOptions, 'connection' | 'prefix'>;

/** Queue `name` under `prefix`, typed by what it carries. */
export function openQueue<Q extends QueueName>(
  name: Q,
  connection: ConnectionOptions,
  prefix: string,
  opts: QueueSettings = {},
): TypedQueue<Q> {
  return new Queue<JobData<Q>, unknown, JobNameOf<Q>>(name, { ...opts, connection, prefix });
}

export const openPushQueue = (connection: ConnectionOptions, prefix: string, opts?: QueueSettings) =>
  openQueue(QueueNames.push, connection, prefix, opts);
export const openVerifyQueue = (connection: ConnectionOptions, prefix: string, opts?: QueueSettings) =>
  openQueue(QueueNames.verify, connection, prefix, opts);
export const openRescanQueue = (connection: ConnectionOptions, prefix: string, opts?: QueueSettings) =>
  openQueue(QueueNames.rescan, connection, prefix, opts);

/** A worker on queue `name` whose processor sees that queue's payloads and job names. */
export function openWorker<Q extends QueueName, R>(
  name: Q,
  processor: (job: TypedJob<Q>) => Promise<R>,
  opts: WorkerOptions,
): TypedWorker<Q, R> {
  return new Worker<JobData<Q>, R, JobNameOf<Q>>(name, processor as (job: Job<JobData<Q>, R, JobNameOf<Q>>) => Promise<R>, opts);
}
