import {
  DOCKER_SCHEMA1_MANIFEST,
  DOCKER_SCHEMA1_SIGNED_MANIFEST,
  isArtifactTag,
  MANIFEST_MEDIA_TYPES as READABLE_MANIFEST_MEDIA_TYPES,
  SIGSTORE_MEDIA_TYPE_PATTERN,
} from '@signet/oci';

/**
 * Manifest media types that make a push an image (or image index) push; anything else pushed is a blob.
 * Schema 1 manifests count too: they are images, and the signer decides what to do with them.
 */
export const MANIFEST_MEDIA_TYPES: readonly string[] = [
  ...READABLE_MANIFEST_MEDIA_TYPES,
  DOCKER_SCHEMA1_MANIFEST,
  DOCKER_SCHEMA1_SIGNED_MANIFEST,
];

export function isManifestMediaType(mediaType: string): boolean {
  return MANIFEST_MEDIA_TYPES.includes(mediaType.toLowerCase());
}

export interface SignatureHints {
  tag?: string;
  mediaType?: string;
  artifactType?: string;
  /** Present (any value but null/undefined) when the manifest refers to another one: a referrer artifact. */
  subject?: unknown;
  /** Media types of the manifest's config and layers, when the sender lists them. */
  referenceMediaTypes?: readonly string[];
}

/**
 * True for signatures, attestations, SBOMs and other referrers. Signing these would sign Signet's own
 * signatures, one after another, so no adapter turns them into pushes.
 */
export function isSignatureArtifact(hints: SignatureHints): boolean {
  if (hints.tag !== undefined && isArtifactTag(hints.tag)) return true;
  if (hints.subject !== undefined && hints.subject !== null) return true;
  const types = [hints.mediaType, hints.artifactType, ...(hints.referenceMediaTypes ?? [])];
  return types.some((t) => t !== undefined && SIGSTORE_MEDIA_TYPE_PATTERN.test(t));
}
