import fc from 'fast-check';
import {
  decodeTagState,
  encodeTagState,
  packDigest,
  reasonOf,
  unpackDigest,
  VERDICTS,
  VIOLATION_REASONS,
  type TagState,
} from './tag-state';

const hex64 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => 'sha256:' + Buffer.from(b).toString('hex'));
const time = fc.integer({ min: 0, max: 4_102_444_800_000 });
const state: fc.Arbitrary<TagState> = fc.record({
  digest: hex64,
  firstSeen: time,
  verdict: fc.constantFrom(...VERDICTS),
  flag: fc.constantFrom('none' as const, 'violation' as const, 'acknowledged' as const),
  replaced: fc.boolean(),
  checkedAt: time,
  history: fc.array(fc.record({ digest: hex64, firstSeen: time }), { maxLength: 5 }),
  reason: fc.option(fc.constantFrom(...VIOLATION_REASONS), { nil: undefined }),
  unsettled: fc.option(fc.constant(true as const), { nil: undefined }),
});

describe('tag state encoding', () => {
  it('round-trips every state', () => {
    fc.assert(fc.property(state, (s) => expect(decodeTagState(encodeTagState(s))).toEqual(s)));
  });

  it('packs a sha256 digest into 43 characters and back', () => {
    const d = 'sha256:' + 'ab'.repeat(32);
    expect(packDigest(d)).toHaveLength(43);
    expect(unpackDigest(packDigest(d))).toBe(d);
  });

  it('keeps a sha512 digest as it is, and reads it back', () => {
    const d = 'sha512:' + 'cd'.repeat(64);
    expect(packDigest(d)).toBe(d);
    expect(unpackDigest(packDigest(d))).toBe(d);
  });

  it('keeps a tag without history under 80 bytes', () => {
    const s: TagState = {
      digest: 'sha256:' + 'f'.repeat(64),
      firstSeen: Date.now(),
      verdict: 'signed',
      flag: 'none',
      replaced: true,
      checkedAt: Date.now(),
      history: [],
    };
    expect(Buffer.byteLength(encodeTagState(s))).toBeLessThan(80);
  });

  it('decodes records written before violations carried a reason, deriving the reason from the verdict', () => {
    const d = 'sha256:' + 'e'.repeat(64);
    const old = `IV1|${packDigest(d)}|m3x1k2|m3x1k9|`;
    const s = decodeTagState(old);
    expect(s).toMatchObject({ digest: d, verdict: 'invalid', flag: 'violation', replaced: true });
    expect(s && reasonOf(s)).toBe('invalid');
    expect(s && encodeTagState(s)).toBe(old);
  });

  it('round-trips the revoked reason with a character of its own, older records unchanged', () => {
    const s = {
      digest: `sha256:${'b'.repeat(64)}`,
      firstSeen: 1,
      verdict: 'invalid' as const,
      flag: 'violation' as const,
      replaced: false,
      checkedAt: 2,
      history: [],
      reason: 'revoked' as const,
    };
    expect(encodeTagState(s).startsWith('IV0D|')).toBe(true);
    expect(decodeTagState(encodeTagState(s))).toEqual(s);
    expect(decodeTagState('IV0I|' + encodeTagState(s).slice(5))?.reason).toBe('invalid');
  });

  it('treats foreign or corrupt values as no record', () => {
    expect(decodeTagState('SV1X|a|b|c|')).toBeUndefined();
    expect(decodeTagState(null)).toBeUndefined();
    expect(decodeTagState('hello')).toBeUndefined();
    expect(decodeTagState('XX0|a|b|c|')).toBeUndefined();
  });
});
