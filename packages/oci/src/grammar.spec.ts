import fc from 'fast-check';
import { SignetError } from '@signet/errors';
import { InvalidReferenceError } from './errors';
import { attachmentTag, isArtifactTag, isRepositoryName, isTag, referrersTag, signatureTag } from './grammar';

const HEX = 'ab'.repeat(32);
const D256 = `sha256:${HEX}`;
const D512 = `sha512:${'c'.repeat(128)}`;

describe('repository grammar', () => {
  it.each(['app', 'team/app', 'a.b_c__d---e/f', 'library/nginx', '0/1/2'])('accepts %j', (name) => {
    expect(isRepositoryName(name)).toBe(true);
  });

  it.each(['', 'App', 'team//app', '/app', 'app/', '../etc', 'a/../b', 'a..b', 'a___b', '-a', 'a-', 'v2/_catalog', 'a b', 'a:b'])(
    'refuses %j',
    (name) => {
      expect(isRepositoryName(name)).toBe(false);
    },
  );

  it('refuses names over 255 characters', () => {
    expect(isRepositoryName('a'.repeat(255))).toBe(true);
    expect(isRepositoryName('a'.repeat(256))).toBe(false);
  });

  it('never accepts a name that could leave its URL segment', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (name) => {
        if (isRepositoryName(name)) expect(name).not.toMatch(/\.\.|^\/|\/$|\/\/|[?#%\s:@]/);
      }),
    );
  });
});

describe('tag grammar', () => {
  it.each(['latest', 'v1.2.3', '_x', 'A-b.C_d', 'a'.repeat(128)])('accepts %j', (tag) => {
    expect(isTag(tag)).toBe(true);
  });

  it.each(['', '.x', '-x', 'a b', 'a/b', 'a:b', 'a'.repeat(129), 'x\n'])('refuses %j', (tag) => {
    expect(isTag(tag)).toBe(false);
  });
});

describe('attachment tags', () => {
  it('names the signature and referrers tags after the digest', () => {
    expect(signatureTag(D256)).toBe(`sha256-${HEX}.sig`);
    expect(attachmentTag(D256, '.att')).toBe(`sha256-${HEX}.att`);
    expect(referrersTag(D256)).toBe(`sha256-${HEX}`);
    expect(signatureTag(D512)).toBe(`sha512-${'c'.repeat(128)}.sig`);
    // distribution-spec 1.1 cuts the reference to 64 characters, keeping the fallback tag a valid tag.
    expect(referrersTag(D512)).toBe(`sha512-${'c'.repeat(64)}`);
  });

  it('refuses a value that is not a digest with INVALID_REFERENCE (a SignetError)', () => {
    for (const bad of ['latest', 'sha256:short', `${D256}/..`]) {
      expect(() => signatureTag(bad)).toThrow(InvalidReferenceError);
      expect(() => referrersTag(bad)).toThrow(SignetError);
      expect(() => attachmentTag(bad, '.att')).toThrow(expect.objectContaining({ code: 'INVALID_REFERENCE' }));
    }
  });

  it('knows every sha256 attachment tag and every referrers tag for an artifact tag, and valid tags', () => {
    const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`));
    const digest = fc.oneof(
      hex(64).map((h) => `sha256:${h}`),
      hex(128).map((h) => `sha512:${h}`),
    );
    fc.assert(
      fc.property(digest, (d) => {
        expect(isTag(referrersTag(d))).toBe(true);
        expect(isArtifactTag(referrersTag(d))).toBe(true);
      }),
    );
    fc.assert(
      fc.property(hex(64), fc.constantFrom('.sig' as const, '.att' as const, '.sbom' as const), (h, suffix) => {
        const tag = attachmentTag(`sha256:${h}`, suffix);
        expect(isTag(tag)).toBe(true);
        expect(isArtifactTag(tag)).toBe(true);
      }),
    );
  });

  it.each([
    'latest',
    `sha256-${HEX}.txt`,
    `sha256-${HEX.slice(2)}.sig`,
    `sha256-${HEX.toUpperCase()}.sig`,
    `sha384-${HEX}`,
    `sha512-${HEX}.sig`,
    `sha512-${'c'.repeat(128)}`,
  ])('does not take %j for an artifact tag', (tag) => expect(isArtifactTag(tag)).toBe(false));
});
