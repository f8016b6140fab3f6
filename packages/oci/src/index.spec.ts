import { DIGEST_PATTERN, isDigest } from './index';

describe('digest grammar', () => {
  it('accepts sha256 with 64 hex and sha512 with 128 hex', () => {
    expect(isDigest(`sha256:${'a'.repeat(64)}`)).toBe(true);
    expect(isDigest(`sha512:${'0'.repeat(128)}`)).toBe(true);
  });

  it('refuses other lengths, algorithms, upper case and anything around the digest', () => {
    for (const bad of [`sha256:${'a'.repeat(128)}`, `sha512:${'a'.repeat(64)}`, `sha384:${'a'.repeat(96)}`, `sha256:${'A'.repeat(64)}`, `sha256:${'a'.repeat(64)}\n`, `x/sha256:${'a'.repeat(64)}`, 'sha256:']) {
      expect(isDigest(bad)).toBe(false);
    }
    expect(DIGEST_PATTERN.flags).toBe('');
  });
});
