import { SignetError } from '@signet/errors';

/** Stable codes shared by thrown errors and verification results. */
export type CryptoErrorCode =
  | 'WRONG_PASSWORD'
  | 'MALFORMED_KEY_FILE'
  | 'UNSUPPORTED_KEY_TYPE'
  | 'UNSUPPORTED_KDF_PARAMS'
  | 'MALFORMED_SIGNATURE'
  | 'MALFORMED_PAYLOAD'
  | 'SIGNATURE_MISMATCH'
  | 'DIGEST_MISMATCH'
  | 'IDENTITY_MISMATCH'
  | 'KEY_FILE_SYMLINK'
  | 'KEY_FILE_EXISTS';

export class CryptoError extends SignetError<CryptoErrorCode> {}

/** Secretbox authentication failed: the password is wrong or the file was tampered with. */
export class WrongPasswordError extends CryptoError {
  constructor(message = 'wrong password for the encrypted private key', options?: { cause?: unknown }) {
    super('WRONG_PASSWORD', message, options);
  }
}

export class MalformedKeyFileError extends CryptoError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('MALFORMED_KEY_FILE', message, options);
  }
}

export class UnsupportedKeyTypeError extends CryptoError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('UNSUPPORTED_KEY_TYPE', message, options);
  }
}

/** Raised before any scrypt work so a hostile key file cannot make us burn CPU or memory. */
export class UnsupportedKdfParamsError extends CryptoError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('UNSUPPORTED_KDF_PARAMS', message, options);
  }
}

export class MalformedPayloadError extends CryptoError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('MALFORMED_PAYLOAD', message, options);
  }
}

export class SignatureMismatchError extends CryptoError {
  constructor(message = 'signature does not verify with any trusted key', options?: { cause?: unknown }) {
    super('SIGNATURE_MISMATCH', message, options);
  }
}

export class DigestMismatchError extends CryptoError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('DIGEST_MISMATCH', message, options);
  }
}

export class IdentityMismatchError extends CryptoError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('IDENTITY_MISMATCH', message, options);
  }
}

/** The path names a symbolic link: writing would land wherever the link points (someone else's file). */
export class KeyFileSymlinkError extends CryptoError {
  constructor(readonly path: string) {
    super('KEY_FILE_SYMLINK', `${path} is a symbolic link; refusing to write through it`);
  }
}

/** The path exists and the caller did not ask to replace it. */
export class KeyFileExistsError extends CryptoError {
  constructor(
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super('KEY_FILE_EXISTS', `${path} already exists`, options);
  }
}

export function isCryptoError(err: unknown): err is CryptoError {
  return err instanceof CryptoError;
}
