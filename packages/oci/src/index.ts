/**
 * @signet/oci: the OCI and cosign facts every package shares, defined once. No I/O, and of @signet only the
 * leaf @signet/errors, so any package can import it without importing another's concerns. See README.md.
 */
export { DIGEST_PATTERN, DIGEST_GRAMMAR, isDigest, digestOf, digestAlgorithm, type DigestAlgorithm } from './digest';
export { InvalidReferenceError } from './errors';
export { isRepositoryName, isTag, isArtifactTag, signatureTag, referrersTag } from './grammar';
export {
  DOCKER_HUB,
  DOCKER_HUB_INDEX,
  isDockerHub,
  parseImageReference,
  normalizeImageReference,
  formatImageReference,
  repositoryName,
  type ImageReference,
  type ReferenceParseOptions,
} from './reference';
export {
  OCI_MANIFEST,
  OCI_INDEX,
  OCI_CONFIG,
  OCI_LAYER_GZIP,
  OCI_EMPTY,
  DOCKER_MANIFEST,
  DOCKER_CONFIG,
  DOCKER_SCHEMA1_MANIFEST,
  DOCKER_SCHEMA1_SIGNED_MANIFEST,
  SIMPLE_SIGNING,
  SIGNATURE_ANNOTATION,
  SIGSTORE_BUNDLE,
  SIGSTORE_MEDIA_TYPE_PATTERN,
  MANIFEST_MEDIA_TYPES,
  MANIFEST_ACCEPT,
  isIndexMediaType,
} from './media-types';
export { goJsonString, goJsonStringMap } from './go-json';
export { IN_TOTO_PAYLOAD_TYPE, COSIGN_SIGN_PREDICATE_TYPE, parseBundleEnvelope, type DsseEnvelope } from './dsse';
export { WEBHOOK_SOURCES, type WebhookSource } from './webhook-sources';
