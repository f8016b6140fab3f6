import { createHash } from 'node:crypto';
import { RegistryError } from './errors';

/** `sha256:<hex>` (or the algorithm named) of exactly these bytes. */
export function digestOf(bytes: Buffer, algorithm: 'sha256' | 'sha512' = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

/** Throws DIGEST_MISMATCH unless `bytes` hash to `expected` (computed with `expected`'s algorithm). */
export function assertDigest(bytes: Buffer, expected: string, what: string): void {
  const algorithm = expected.startsWith('sha512:') ? 'sha512' : 'sha256';
  const actual = digestOf(bytes, algorithm);
  if (actual !== expected) {
    throw new RegistryError('DIGEST_MISMATCH', `${what}: content hashes to ${actual}, expected ${expected}`);
  }
}
