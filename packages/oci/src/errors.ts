import { SignetError } from '@signet/errors';

/**
 * A reference, tag or digest that is not in the grammar: a caller's value of the wrong shape, which no retry
 * can mend. Callers map `code` (HTTP 400, CLI usage error).
 */
export class InvalidReferenceError extends SignetError<'INVALID_REFERENCE'> {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_REFERENCE', message, options);
  }
}
