import fc from 'fast-check';
import { DIGEST_PATTERN, digestAlgorithm, digestOf, isDigest, type DigestAlgorithm } from './digest';

describe('digest grammar', () => {
  it('accepts sha256 with 64 hex and sha512 with 128 hex', () => {
    expect(isDigest(`sha256:${'a'.repeat(64)}`)).toBe(true);
    expect(isDigest(`sha512:${'0'.repeat(128)}`)).toBe(true);
  });

  it('refuses other lengths, algorithms, upper case and anything around the digest', () => {
    for (const bad of [
      `sha256:${'a'.repeat(128)}`,
      `sha512:${'a'.repeat(64)}`,
      `sha384:${'a'.repeat(96)}`,
      `sha256:${'A'.repeat(64)}`,
      `sha256:${'a'.repeat(64)}\n`,
      `x/sha256:${'a'.repeat(64)}`,
      'sha256:',
    ]) {
      expect(isDigest(bad)).toBe(false);
    }
    expect(DIGEST_PATTERN.flags).toBe('');
  });
});

describe('digestOf', () => {
  it('hashes the exact bytes with the algorithm asked for (known empty-input vectors)', () => {
    expect(digestOf(Buffer.alloc(0))).toBe('sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(digestOf(new Uint8Array(0), 'sha512')).toBe(
      'sha512:cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e',
    );
  });

  it('always yields a digest in the grammar, and names its own algorithm', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), fc.constantFrom<DigestAlgorithm>('sha256', 'sha512'), (bytes, algorithm) => {
        const digest = digestOf(bytes, algorithm);
        expect(isDigest(digest)).toBe(true);
        expect(digestAlgorithm(digest)).toBe(algorithm);
      }),
    );
  });
});
