import { UnrecoverableError } from 'bullmq';
import { isSignetError } from '@signet/errors';

/** Where a job stands when an attempt fails. */
export interface JobAttempt {
  /** Attempts that already failed before this one (BullMQ `attemptsMade`). */
  attemptsMade: number;
  /** The job's `attempts` option. */
  maxAttempts: number;
}

/** What an error says about the job that threw it. */
export interface JobErrorClass {
  /** No later attempt can succeed: the job fails now, whatever attempts it has left. */
  permanent: boolean;
  /** Bounded label for metrics and logs: the error's code in lower case, or `internal` for an error without one. */
  reason: string;
}

export interface JobFailure extends JobErrorClass {
  /** The job will not run again: a permanent failure, or its last attempt. */
  final: boolean;
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
export function classifyJobError(err: unknown): JobErrorClass {
  if (!isSignetError(err)) return { permanent: false, reason: 'internal' };
  return { permanent: !err.retryable && !RETRIED_AS_A_JOB.has(err.code), reason: err.code.toLowerCase() };
}

/** classifyJobError, and whether the job will run again. */
export function judgeJobFailure(err: unknown, attempt: JobAttempt): JobFailure {
  const failure = classifyJobError(err);
  return { ...failure, final: failure.permanent || attempt.attemptsMade + 1 >= attempt.maxAttempts };
}

/**
 * What a processor throws for a failed attempt: the error itself, which BullMQ retries with backoff, or for a
 * permanent failure an UnrecoverableError, which fails the job at once. Its message, the job's `failedReason`,
 * starts with the reason; the original error is its `cause`.
 */
export function jobError(err: unknown, failure: JobErrorClass): unknown {
  if (!failure.permanent) return err;
  const unrecoverable = new UnrecoverableError(`${failure.reason}: ${err instanceof Error ? err.message : String(err)}`);
  unrecoverable.cause = err;
  return unrecoverable;
}

/** A BullMQ processor whose failures follow the policy (see classifyJobError and jobError). */
export function withJobFailurePolicy<J, R>(process: (job: J) => Promise<R>): (job: J) => Promise<R> {
  return async (job) => {
    try {
      return await process(job);
    } catch (err) {
      throw jobError(err, classifyJobError(err));
    }
  };
}
