/**
 * cosign signatures in a registry: the `.sig` simple-signing layout, the Sigstore bundle referrer layout, the
 * signature store (read and append), the signature reader with its limits, and signing an image.
 */
export { attachBundle } from './bundle-layout';
export { signatureImage, signatureLayer, type SignatureImage } from './sig-layout';
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
