/** Manifest media types that make a push an image (or image index) push; anything else pushed is a blob. */
export const MANIFEST_MEDIA_TYPES: readonly string[] = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v1+prettyjws',
];

export function isManifestMediaType(mediaType: string): boolean {
  return MANIFEST_MEDIA_TYPES.includes(mediaType.toLowerCase());
}

/**
 * Cosign's tag scheme: `sha256-<hex>.sig|.att|.sbom`; the bare `sha256-<hex>` is the OCI referrers fallback
 * index.
 */
const SIGNATURE_TAG = /^sha256-[0-9a-f]{64}(\.sig|\.att|\.sbom)?$/;
const SIGNATURE_MEDIA_TYPE = /^application\/vnd\.dev\.(cosign|sigstore)\./i;

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
  if (hints.tag !== undefined && SIGNATURE_TAG.test(hints.tag)) return true;
  if (hints.subject !== undefined && hints.subject !== null) return true;
  const types = [hints.mediaType, hints.artifactType, ...(hints.referenceMediaTypes ?? [])];
  return types.some((t) => t !== undefined && SIGNATURE_MEDIA_TYPE.test(t));
}
