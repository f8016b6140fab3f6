import { UnrecoverableError } from 'bullmq';
import { isSignetError } from '@signet/errors';

/** Where a job stands when an attempt fails. */
export interface JobAttempt {
  /** Attempts that already failed before this one (BullMQ `attemptsMade`). */
  attemptsMade: number;
  /** The job's `attempts` option. */
  maxAttempts: number;
}

export interface JobFailure {
  /** No later attempt can succeed: the job fails now, whatever attempts it has left. */
  permanent: boolean;
  /** The job will not run again: a permanent failure, or its last attempt. */
  final: boolean;
  /** Bounded label for metrics and logs: the error's code in lower case, or `internal` for an error without one. */
  reason: string;
}

/**
 * Codes retried although their errors are not retryable as a request: a registry refusing the password (401).
 * The registry client reads the password file again on every attempt, and a token refresher running late
 * (ECR's token lasts 12 hours) writes the new one before a later attempt, which then succeeds.
 */
const RETRIED_AS_A_JOB: ReadonlySet<string> = new Set(['REGISTRY_UNAUTHORIZED']);

/**
 * The one job-failure policy of every worker. An error that says it can never succeed (a SignetError that is
 * not `retryable`: an invalid job, an unknown registry, a configuration error, a registry's permanent answer)
 * is permanent; anything else (retryable errors, and errors nobody classified) is retried with the job's backoff.
 */
export function judgeJobFailure(err: unknown, attempt: JobAttempt): JobFailure {
  const known = isSignetError(err);
  const permanent = known && !err.retryable && !RETRIED_AS_A_JOB.has(err.code);
  return { permanent, final: permanent || attempt.attemptsMade + 1 >= attempt.maxAttempts, reason: known ? err.code.toLowerCase() : 'internal' };
}

/**
 * What a processor throws for a failed attempt: the error itself, which BullMQ retries with backoff, or for a
 * permanent failure an UnrecoverableError, which fails the job at once. Its message, the job's `failedReason`,
 * starts with the reason; the original error is its `cause`.
 */
export function jobError(err: unknown, failure: Pick<JobFailure, 'permanent' | 'reason'>): unknown {
  if (!failure.permanent) return err;
  const unrecoverable = new UnrecoverableError(`${failure.reason}: ${err instanceof Error ? err.message : String(err)}`);
  unrecoverable.cause = err;
  return unrecoverable;
}

/** What the policy reads of a BullMQ job. */
export interface AttemptedJob {
  attemptsMade: number;
  opts: { attempts?: number };
}

/** A BullMQ processor whose failures follow the policy (see judgeJobFailure and jobError). */
export function withJobFailurePolicy<J extends AttemptedJob, R>(process: (job: J) => Promise<R>): (job: J) => Promise<R> {
  return async (job) => {
    try {
      return await process(job);
    } catch (err) {
      throw jobError(err, judgeJobFailure(err, { attemptsMade: job.attemptsMade, maxAttempts: job.opts.attempts ?? 1 }));
    }
  };
}
