import { createHash } from 'node:crypto';

/**
 * The OCI image-spec digest grammar for the registered algorithms: `sha256:<64 lowercase hex>` or
 * `sha512:<128 lowercase hex>`. A registry computes and accepts only these; anything else reaching a
 * registry URL or a job would be refused later and further from where it came in.
 */
export const DIGEST_PATTERN = /^(?:sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$/;

/** What a value that fails DIGEST_PATTERN is told. */
export const DIGEST_GRAMMAR = 'sha256:<64 hex> or sha512:<128 hex>';

export type DigestAlgorithm = 'sha256' | 'sha512';

export function isDigest(value: string): boolean {
  return DIGEST_PATTERN.test(value);
}

/** `<algorithm>:<hex>` of exactly these bytes, as registries compute manifest and blob digests. */
export function digestOf(bytes: Uint8Array, algorithm: DigestAlgorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

/** The algorithm a digest names, so its content can be hashed the same way to check it. */
export function digestAlgorithm(digest: string): DigestAlgorithm {
  return digest.startsWith('sha512:') ? 'sha512' : 'sha256';
}
