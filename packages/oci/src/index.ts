// OCI facts shared by every package, with no I/O and no dependencies, so each package can agree on them
// without importing another's concerns.

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
