import { SignetError } from '@signet/errors';

/** Stable codes for what can go wrong finding, opening or using a signing key outside a key file. */
export type KeyErrorCode =
  | 'UNSUPPORTED_KEY_REFERENCE'
  | 'KMS_PROVIDER_NOT_BUILT_IN'
  | 'INVALID_PKCS11_URI'
  | 'PKCS11_MODULE_ERROR'
  | 'TOKEN_NOT_FOUND'
  | 'KEY_NOT_FOUND'
  | 'UNSUPPORTED_KEY_TYPE'
  | 'PIN_REQUIRED'
  | 'WRONG_PIN'
  | 'PIN_LOCKED'
  | 'KEY_UNAVAILABLE';

/**
 * `retryable` says whether the same operation can succeed later without anyone changing the configuration:
 * a token pulled out and put back, a module that failed once. A wrong PIN or an unknown scheme never heals.
 */
export class KeyError extends SignetError<KeyErrorCode> {}

/**
 * The key was reachable when loaded and is not now (session closed, token removed, module error). Signing
 * jobs fail as retryable and the provider reopens the token on its next use.
 */
export class KeyUnavailableError extends KeyError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('KEY_UNAVAILABLE', message, { ...options, retryable: true });
  }
}

/** True for any KeyError, or only for one with `code`. */
export function isKeyError(err: unknown, code?: KeyErrorCode): err is KeyError {
  return err instanceof KeyError && (code === undefined || err.code === code);
}
