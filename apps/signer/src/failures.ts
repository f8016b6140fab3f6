import { SignetError } from '@signet/errors';

// The signer's own failures. What each means for the push job (retried, or failed at once) is the shared
// job-failure policy's call (`judgeJobFailure` in @signet/queue), read from `retryable`.

/** The event names a registry that is not configured: no retry can fix that. */
export class UnknownRegistryError extends SignetError<'UNKNOWN_REGISTRY'> {
  constructor(message: string) {
    super('UNKNOWN_REGISTRY', message);
  }
}

/** The pushed image no longer exists (deleted before it could be signed). */
export class ImageGoneError extends SignetError<'IMAGE_GONE'> {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('IMAGE_GONE', message, options);
  }
}
