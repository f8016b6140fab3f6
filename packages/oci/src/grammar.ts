import { DIGEST_GRAMMAR, isDigest } from './digest';
import { InvalidReferenceError } from './errors';

// The distribution-spec name grammar (distribution/reference regexp.go): path components of lower-case
// alphanumerics joined by `.`, `_`, `__` or dashes. Checked once at each boundary, so no body or argument can
// smuggle a path (`../`, `/v2/...`) into a registry URL.
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
/** A repository path inside a registry: `team/app`, `library/nginx`. */
export const REPOSITORY_PATTERN = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
/** Distribution caps a repository name at 255 characters. */
export const REPOSITORY_MAX_LENGTH = 255;
/** A tag: a word character, then up to 127 word characters, dots and dashes. */
export const TAG_PATTERN = /^\w[\w.-]{0,127}$/;

export function isRepositoryName(value: string): boolean {
  return value.length <= REPOSITORY_MAX_LENGTH && REPOSITORY_PATTERN.test(value);
}

export function isTag(value: string): boolean {
  return TAG_PATTERN.test(value);
}

/**
 * Tags that hold another digest's attachments rather than an image: cosign's `sha256-<hex>.sig`, `.att` and
 * `.sbom`, and the referrers fallback index `<alg>-<hex>` (sha512's cut to 64 hex, as the spec cuts it).
 */
export const ARTIFACT_TAG_PATTERN = /^(?:sha256-[0-9a-f]{64}(?:\.sig|\.att|\.sbom)?|sha512-[0-9a-f]{64})$/;

export function isArtifactTag(tag: string): boolean {
  return ARTIFACT_TAG_PATTERN.test(tag);
}

function assertDigest(digest: string): void {
  if (!isDigest(digest)) throw new InvalidReferenceError(`not a digest: "${digest}" (expected ${DIGEST_GRAMMAR})`);
}

/**
 * cosign's tag for a digest's attachments: `<alg>-<hex>` plus `suffix` (`.sig`, `.att`, `.sbom`); throws for a
 * non-digest. For sha512 the name is longer than the 128 characters a tag may have, and cosign writes it all
 * the same, so a registry refuses it there as it would cosign's.
 */
export function attachmentTag(digest: string, suffix: '.sig' | '.att' | '.sbom'): string {
  assertDigest(digest);
  return digest.replace(':', '-') + suffix;
}

/** The tag cosign and containers/image use for a digest's signatures: `sha256-<hex>.sig`. */
export function signatureTag(digest: string): string {
  return attachmentTag(digest, '.sig');
}

/**
 * The OCI referrers tag-schema fallback index of a digest (distribution-spec 1.1, "Referrers Tag Schema"):
 * `<alg>-<ref>` with `<ref>` cut to 64 characters, so `sha256-<hex>`, and sha512's still a valid tag.
 */
export function referrersTag(digest: string): string {
  assertDigest(digest);
  const [algorithm, hex] = digest.split(':') as [string, string];
  return `${algorithm}-${hex.slice(0, 64)}`;
}
