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

type CryptoErrorOptions = { cause?: unknown };

/** A CryptoError whose `code` is known from its class. */
interface CryptoErrorWithCode<C extends CryptoErrorCode> extends CryptoError {
  readonly code: C;
}

/**
 * The base of a CryptoError class with one code; with `defaultMessage`, the message may be left out. The
 * class still names itself (SignetError takes the name of the class constructed).
 */
function cryptoErrorClass<C extends CryptoErrorCode>(
  code: C,
): new (message: string, options?: CryptoErrorOptions) => CryptoErrorWithCode<C>;
function cryptoErrorClass<C extends CryptoErrorCode>(
  code: C,
  defaultMessage: string,
): new (message?: string, options?: CryptoErrorOptions) => CryptoErrorWithCode<C>;
function cryptoErrorClass(code: CryptoErrorCode, defaultMessage?: string) {
  return class extends CryptoError {
    constructor(message = defaultMessage ?? '', options?: CryptoErrorOptions) {
      super(code, message, options);
    }
  };
}

/** Secretbox authentication failed: the password is wrong or the file was tampered with. */
export class WrongPasswordError extends cryptoErrorClass('WRONG_PASSWORD', 'wrong password for the encrypted private key') {}
export class MalformedKeyFileError extends cryptoErrorClass('MALFORMED_KEY_FILE') {}
export class UnsupportedKeyTypeError extends cryptoErrorClass('UNSUPPORTED_KEY_TYPE') {}
/** Raised before any scrypt work so a hostile key file cannot make us burn CPU or memory. */
export class UnsupportedKdfParamsError extends cryptoErrorClass('UNSUPPORTED_KDF_PARAMS') {}
export class MalformedPayloadError extends cryptoErrorClass('MALFORMED_PAYLOAD') {}
export class SignatureMismatchError extends cryptoErrorClass('SIGNATURE_MISMATCH', 'signature does not verify with any trusted key') {}
export class DigestMismatchError extends cryptoErrorClass('DIGEST_MISMATCH') {}
export class IdentityMismatchError extends cryptoErrorClass('IDENTITY_MISMATCH') {}

/** The path names a symbolic link: writing would land wherever the link points (someone else's file). */
export class KeyFileSymlinkError extends cryptoErrorClass('KEY_FILE_SYMLINK') {
  constructor(readonly path: string) {
    super(`${path} is a symbolic link; refusing to write through it`);
  }
}

/** The path exists and the caller did not ask to replace it. */
export class KeyFileExistsError extends cryptoErrorClass('KEY_FILE_EXISTS') {
  constructor(
    readonly path: string,
    options?: CryptoErrorOptions,
  ) {
    super(`${path} already exists`, options);
  }
}

export function isCryptoError(err: unknown): err is CryptoError {
  return err instanceof CryptoError;
}
