export {
  CryptoError,
  WrongPasswordError,
  MalformedKeyFileError,
  UnsupportedKeyTypeError,
  UnsupportedKdfParamsError,
  MalformedPayloadError,
  SignatureMismatchError,
  DigestMismatchError,
  IdentityMismatchError,
  KeyFileSymlinkError,
  KeyFileExistsError,
  isCryptoError,
  type CryptoErrorCode,
} from './errors';
export { SIMPLESIGNING_MEDIA_TYPE, SIGNATURE_ANNOTATION, COSIGN_SIGNATURE_TYPE, digestOf, sigTagFor, isDigest } from './digest';
export { encodePem, decodeFirstPem, type PemBlock } from './pem';
export {
  SIGSTORE_PRIVATE_KEY_PEM_TYPE,
  COSIGN_PRIVATE_KEY_PEM_TYPE,
  ACCEPTED_SCRYPT_PARAMS,
  DEFAULT_SCRYPT_PARAMS,
  COMPAT_SCRYPT_PARAMS,
  parseEncryptedKeyFile,
  decryptEncryptedKeyFile,
  encryptPrivateKey,
  type EncryptedKeyEnvelope,
  type EncryptedKeyPemType,
  type EncryptOptions,
  type KeyPassword,
  type ScryptParams,
} from './encrypted-key';
export {
  writeKeyFile,
  writeCosignKeyFiles,
  checkKeyFileTarget,
  PRIVATE_KEY_FILE_MODE,
  PUBLIC_KEY_FILE_MODE,
  type KeyFileWriteOptions,
} from './key-file-writer';
export {
  keyAlgorithm,
  publicKeyToPem,
  parsePublicKeyPem,
  parsePlainPrivateKeyPem,
  fingerprintOf,
  spkiDer,
  type KeyAlgorithm,
  type KeyFingerprint,
} from './keys';
export { generateCosignKeyPair, importCosignKeyPair, type CosignKeyFiles } from './key-pair';
export { signBytes, verifyBytes, verifyBase64Signature } from './signature';
export {
  signingKeyFromPrivateKey,
  decryptPrivateKey,
  loadPrivateKeyPem,
  isEncryptedKeyPem,
  type SigningKey,
} from './signing-key';
export {
  FileKeyProvider,
  EnvKeyProvider,
  keyProviderFromRef,
  type KeyProvider,
  type KeyRefOptions,
  type PasswordSource,
} from './providers';
export { PublicKeySet, loadPublicKeys, type TrustedKey } from './public-keys';
export {
  buildPayload,
  parsePayload,
  goJsonString,
  type SignaturePayload,
  type PayloadInput,
  type PayloadParseMode,
  type PayloadParseResult,
} from './payload';
export {
  parseReference,
  cosignRepositoryName,
  identityMatches,
  type IdentityRule,
  type ParsedReference,
} from './reference';
export {
  verifySignatureLayer,
  verifySignatureLayers,
  type SignatureLayer,
  type LayerVerifyOptions,
  type LayerVerification,
  type LayerFailureCode,
  type LayersVerification,
} from './verify';
export { dssePae, verifyDsseStatement, IN_TOTO_PAYLOAD_TYPE, COSIGN_SIGN_PREDICATE_TYPE, type DsseEnvelope, type DsseVerification, type DsseVerifyOptions, type InTotoSubject } from './dsse';
