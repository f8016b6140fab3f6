export { RegistryClient, isMissing, MAX_MANIFEST_BYTES, DEFAULT_MAX_BLOB_BYTES, type UploadResult } from './client';
export type { RegistryClientOptions, PasswordSource } from './transport';
export { RegistryError, isRegistryError, type RegistryErrorCode } from './errors';
export { RedisRequestBudget, type RequestBudget, type RedisBudgetOptions } from './budget';
export { dockerConfigCredentials, defaultDockerConfigPath, type Credentials } from './docker-config';
export { parseImageReference, formatImageReference, repositoryName, signatureTag, digestTag, isDigest, type ImageReference } from './reference';
export { digestOf } from './digest';
export { parseImageManifest, parseImageIndex } from './manifests';
export { listReferrers, hasReferrersApi, addToReferrersIndex, type Referrers } from './referrers';
export { attachBundle, bundleEnvelope, type DsseEnvelope } from './bundle-layout';
export { signatureImage, signatureLayer, signatureConfig } from './sig-layout';
export { signDigest, signedIdentity, indexChildren, type IdentityMode, type SignDigestInput, type SignDigestOptions } from './sign-image';
export {
  SignatureStore,
  type StoredSignature,
  type SimpleSigningSignature,
  type BundleSignature,
  type SignatureInput,
  type ExistingSignature,
  type AppendOptions,
  type AppendResult,
  type SignatureStoreOptions,
  type SignatureReading,
  type SignatureLimits,
  type RejectedArtifact,
  type RejectionCode,
} from './signature-store';
export { DEFAULT_SIGNATURE_LIMITS } from './signature-reader';
export * from './media-types';
export type { Descriptor, ImageManifest, ImageIndex, FetchedManifest } from './types';
export { DigestLock, LockBusyError, type DigestLockOptions } from './digest-lock';
export { registryClientFromConfig, type ClientFromConfigOptions } from './from-config';
