/**
 * @signet/crypto: cosign key files, simple-signing payloads and DSSE statements, sign and verify (no HTTP).
 * The OCI and cosign names these rest on (media types, annotation, digests, references) are @signet/oci's.
 */
export { CryptoError, KeyFileExistsError, KeyFileSymlinkError, MalformedKeyFileError, isCryptoError, type CryptoErrorCode } from './errors';
export { COMPAT_SCRYPT_PARAMS, type EncryptOptions, type KeyPassword } from './encrypted-key';
export { writeKeyFile, writeCosignKeyFiles, checkKeyFileTarget, PUBLIC_KEY_FILE_MODE } from './key-file-writer';
export { publicKeyToPem, parsePublicKeyPem, spkiDer, fingerprintOf } from './keys';
export { generateCosignKeyPair, importCosignKeyPair, type CosignKeyFiles } from './key-pair';
export { signBytes, verifyBase64Signature } from './signature';
export { signingKeyFromPrivateKey, decryptPrivateKey, loadPrivateKeyPem, isEncryptedKeyPem, type SigningKey } from './signing-key';
export { PublicKeySet, loadPublicKeys, type TrustedKey } from './public-keys';
export {
  buildPayload,
  parsePayload,
  type SignaturePayload,
  type PayloadInput,
  type PayloadParseMode,
  type PayloadParseResult,
} from './simple-signing-payload';
export type { IdentityRule } from './identity';
export {
  verifySignatureLayer,
  verifySignatureLayers,
  type SignatureLayer,
  type LayerVerifyOptions,
  type LayerVerification,
  type LayerFailureCode,
  type LayersVerification,
} from './verify';
export { dssePae, verifyDsseStatement, type DsseVerification, type DsseVerifyOptions, type InTotoSubject } from './dsse';
