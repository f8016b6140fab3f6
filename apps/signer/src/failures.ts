import { InvalidJobError } from '@signet/queue';
import { isRegistryError } from '@signet/registry';
import { LockBusyError } from '@signet/queue';

/** The event names a registry that is not configured: no retry can fix that. */
export class UnknownRegistryError extends Error {
  readonly code = 'UNKNOWN_REGISTRY';
}

/** The pushed image no longer exists (deleted before it could be signed). */
export class ImageGoneError extends Error {
  readonly code = 'IMAGE_GONE';
}

export interface FailureClass {
  /** Retrying cannot help: fail the job for good. */
  permanent: boolean;
  /** Bounded label for `signet_signer_jobs_failed_total{reason}`. */
  reason: string;
}

/**
 * Registry 429/5xx/network errors, a busy digest lock and anything unexpected are retried with backoff;
 * invalid jobs, unknown registries, missing images and 4xx answers (403 included) are permanent. A 401 is
 * retried: the client has already read the password file again, and a token refresher running late (ECR's
 * token lasts 12 hours) writes the new one before a later attempt, which then signs the push.
 */
export function classifyFailure(err: unknown): FailureClass {
  if (err instanceof InvalidJobError) return { permanent: true, reason: 'invalid_job' };
  if (err instanceof UnknownRegistryError) return { permanent: true, reason: 'unknown_registry' };
  if (err instanceof ImageGoneError) return { permanent: true, reason: 'image_gone' };
  if (err instanceof LockBusyError) return { permanent: false, reason: 'lock_busy' };
  if (isRegistryError(err, 'REGISTRY_UNAUTHORIZED')) return { permanent: false, reason: 'registry_unauthorized' };
  if (isRegistryError(err)) return { permanent: !err.retryable, reason: err.code.toLowerCase() };
  return { permanent: false, reason: 'internal' };
}
