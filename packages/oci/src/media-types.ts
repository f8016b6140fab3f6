// Media types and annotations of OCI images and of cosign's signature artifacts. Names follow the spec
// documents; a media type compares case-sensitively except where a function says otherwise.

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
/** The empty descriptor's media type (`{}`), the config of an artifact manifest. */
export const OCI_EMPTY = 'application/vnd.oci.empty.v1+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json';
/** Docker image manifest schema 1 (unsigned and signed): still pushed by old clients, never read by Signet. */
export const DOCKER_SCHEMA1_MANIFEST = 'application/vnd.docker.distribution.manifest.v1+json';
export const DOCKER_SCHEMA1_SIGNED_MANIFEST = 'application/vnd.docker.distribution.manifest.v1+prettyjws';

/** Layer media type of a cosign simple-signing signature (the blob is the simple-signing payload). */
export const SIMPLE_SIGNING = 'application/vnd.dev.cosign.simplesigning.v1+json';
/** Layer annotation holding the base64 signature of a simple-signing layer. */
export const SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
/** Sigstore bundle v0.3 (cosign v3's default), attached as an OCI 1.1 referrer. */
export const SIGSTORE_BUNDLE = 'application/vnd.dev.sigstore.bundle.v0.3+json';

/** The manifest types Signet reads (images and indexes, OCI and Docker v2), in Accept-header order. */
export const MANIFEST_MEDIA_TYPES = [OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST] as const;
export const MANIFEST_ACCEPT = MANIFEST_MEDIA_TYPES.join(', ');

export function isIndexMediaType(mediaType: string | undefined): boolean {
  return mediaType === OCI_INDEX || mediaType === DOCKER_MANIFEST_LIST;
}

/** Cosign's and sigstore's own media types (signatures, bundles, attestations): never an image. */
export const SIGSTORE_MEDIA_TYPE_PATTERN = /^application\/vnd\.dev\.(?:cosign|sigstore)\./i;
