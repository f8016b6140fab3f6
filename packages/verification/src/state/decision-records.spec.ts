import fc from 'fast-check';
import { SIGNER_DECISIONS } from '@signet/queue';
import { encodeDecision, parseDecision } from './decision-records';

const time = fc.integer({ min: 1, max: 4_102_444_800_000 });
const record = fc.record({
  decision: fc.constantFrom(...SIGNER_DECISIONS),
  signatureDueAt: fc.option(time, { nil: undefined }),
});

describe('decision records', () => {
  it('round-trips every decision before it expires', () => {
    fc.assert(
      fc.property(record, time, (r, expiresAt) => {
        const expected = r.signatureDueAt === undefined ? { decision: r.decision } : r;
        expect(parseDecision(encodeDecision(r, expiresAt), expiresAt - 1)).toEqual(expected);
      }),
    );
  });

  it('reads nothing from the moment a decision expires', () => {
    fc.assert(fc.property(record, time, (r, expiresAt) => expect(parseDecision(encodeDecision(r, expiresAt), expiresAt)).toBeUndefined()));
  });

  it('reads nothing from an absent or malformed value', () => {
    for (const raw of [null, undefined, '', 'signed', '|zz']) expect(parseDecision(raw, 0)).toBeUndefined();
  });
});
