import type { TagState } from './tag-state';
import { acknowledge, isUntrustedDecision, judge, judgeError, needsSignatureCheck, type JudgeOptions } from './verdict';

const A = 'sha256:' + 'a'.repeat(64);
const B = 'sha256:' + 'b'.repeat(64);
const C = 'sha256:' + 'c'.repeat(64);
const opts: JudgeOptions = { gracePeriodMs: 30_000, historyLength: 2 };
const T0 = 1_700_000_000_000;
const valid = { kind: 'valid' } as const;
const none = { kind: 'none' } as const;

const signedAt = (digest: string, t = T0): TagState => judge(undefined, { digest, finding: valid, now: t }, opts).state;

describe('judge', () => {
  it('marks a tag first seen unsigned as unsigned, not a violation, once the grace period is over', () => {
    const j = judge(undefined, { digest: A, finding: none, now: T0, decision: 'untrusted' }, opts);
    expect(j.state).toMatchObject({ verdict: 'unsigned', flag: 'none', replaced: false });
    expect(j.overwrite).toBeUndefined();
  });

  it('makes an overwrite with an unsigned digest a violation when the signer decided untrusted', () => {
    const j = judge(signedAt(A), { digest: B, finding: none, now: T0 + 1000, decision: 'untrusted' }, opts);
    expect(j.state).toMatchObject({ digest: B, verdict: 'unsigned', flag: 'violation', replaced: true });
    expect(j.state.history).toEqual([{ digest: A, firstSeen: T0 }]);
    expect(j.overwrite).toBe('unsigned');
  });

  it('keeps an undecided new digest pending during the grace period, then judges it a violation', () => {
    const pending = judge(signedAt(A), { digest: B, finding: none, now: T0 + 1000 }, opts);
    expect(pending.state).toMatchObject({ verdict: 'pending', flag: 'none' });
    expect(pending.overwrite).toBe('pending');
    const later = judge(pending.state, { digest: B, finding: none, now: T0 + 1000 + 30_000 }, opts);
    expect(later.state).toMatchObject({ verdict: 'unsigned', flag: 'violation' });
    expect(later.overwrite).toBe('unsigned');
  });

  it('clears a violation when the tag points to a validly signed digest again', () => {
    const bad = judge(signedAt(A), { digest: B, finding: none, now: T0, decision: 'untrusted' }, opts).state;
    const good = judge(bad, { digest: C, finding: valid, now: T0 + 5 }, opts);
    expect(good.state).toMatchObject({ verdict: 'signed', flag: 'none' });
    expect(good.state.history.map((h) => h.digest)).toEqual([B, A]);
  });

  it('treats a signature that disappears from a signed digest as a violation', () => {
    const j = judge(signedAt(A), { digest: A, finding: none, now: T0 + 60_000 }, opts);
    expect(j.state).toMatchObject({ verdict: 'unsigned', flag: 'violation' });
  });

  it('makes a copied (invalid) signature on an overwrite a violation', () => {
    const j = judge(
      signedAt(A),
      { digest: B, finding: { kind: 'invalid', code: 'DIGEST_MISMATCH' }, now: T0, decision: 'untrusted' },
      opts,
    );
    expect(j.state).toMatchObject({ verdict: 'invalid', flag: 'violation' });
  });

  it('keeps an acknowledged violation quiet until the digest changes', () => {
    const bad = judge(signedAt(A), { digest: B, finding: none, now: T0, decision: 'untrusted' }, opts).state;
    const acked = acknowledge(bad);
    expect(acked?.flag).toBe('acknowledged');
    expect(judge(acked, { digest: B, finding: none, now: T0 + 1 }, opts).state.flag).toBe('acknowledged');
    expect(judge(acked, { digest: C, finding: none, now: T0 + 2, decision: 'untrusted' }, opts).state.flag).toBe('violation');
  });

  it('bounds the history', () => {
    let s = signedAt(A);
    for (const [i, d] of [B, C, A, B].entries()) s = judge(s, { digest: d, finding: valid, now: T0 + i }, opts).state;
    expect(s.history).toHaveLength(2);
  });
});

describe('judgeError', () => {
  it('records a failed lookup as error, never unsigned, and keeps a standing violation', () => {
    const bad = judge(signedAt(A), { digest: B, finding: none, now: T0, decision: 'untrusted' }, opts).state;
    expect(judgeError(bad, undefined, T0 + 1, opts)?.state).toMatchObject({ verdict: 'error', flag: 'violation', digest: B });
  });
  it('remembers that a new digest replaced the old one, so the retry can still find the violation', () => {
    const e = judgeError(signedAt(A), B, T0 + 1, opts);
    expect(e?.state).toMatchObject({ verdict: 'error', replaced: true, digest: B });
    expect(judge(e?.state, { digest: B, finding: none, now: T0 + 2, decision: 'untrusted' }, opts).state.flag).toBe('violation');
  });
  it('stores nothing for an unknown tag whose digest could not be read', () => {
    expect(judgeError(undefined, undefined, T0, opts)).toBeUndefined();
  });
});

describe('needsSignatureCheck', () => {
  it('skips settled tags whose digest did not change', () => {
    expect(needsSignatureCheck(signedAt(A), A)).toBe(false);
    expect(needsSignatureCheck(signedAt(A), B)).toBe(true);
    expect(needsSignatureCheck(undefined, A)).toBe(true);
  });

  it('looks again at an unsigned digest once the listing shows a .sig tag for it, and only then', () => {
    const unsigned = judge(undefined, { digest: A, finding: none, now: T0, decision: 'untrusted' }, opts).state;
    expect(unsigned.verdict).toBe('unsigned');
    expect(needsSignatureCheck(unsigned, A)).toBe(false);
    expect(needsSignatureCheck(unsigned, A, true)).toBe(true);
    // A signed digest with its .sig tag listed is settled.
    expect(needsSignatureCheck(signedAt(A), A, true)).toBe(false);
  });

  it('always looks again at an invalid digest (a valid signature may have joined the bad one)', () => {
    const invalid = judge(
      undefined,
      { digest: A, finding: { kind: 'invalid', code: 'SIGNATURE_MISMATCH' }, now: T0, decision: 'untrusted' },
      opts,
    ).state;
    expect(invalid.verdict).toBe('invalid');
    expect(needsSignatureCheck(invalid, A)).toBe(true);
    expect(needsSignatureCheck(invalid, A, true)).toBe(true);
  });
});

describe('untrusted changes (issue 15)', () => {
  const history =
    (...ds: string[]) =>
    (s: TagState) =>
      ds.reduce((acc, d, i) => judge(acc, { digest: d, finding: valid, decision: 'signed', now: T0 + (i + 1) * 1000 }, opts).state, s);

  it('flags an untrusted move back to an earlier, validly signed digest as a rollback that stands', () => {
    const s = history(B)(signedAt(A));
    const j = judge(s, { digest: A, finding: valid, decision: 'untrusted', now: T0 + 5000 }, opts);
    expect(j.state).toMatchObject({ digest: A, verdict: 'signed', flag: 'violation', reason: 'rollback' });
    // A later look at the same digest, still untrusted or undecided, keeps it; a trusted decision vouches for it.
    expect(judge(j.state, { digest: A, finding: valid, now: T0 + 9000 }, opts).state).toMatchObject({
      flag: 'violation',
      reason: 'rollback',
    });
    expect(judge(j.state, { digest: A, finding: valid, decision: 'already-signed', now: T0 + 9000 }, opts).state).toMatchObject({
      flag: 'none',
    });
  });

  it('does not call a trusted move back, or an untrusted undo of a standing violation, a rollback', () => {
    const s = history(B)(signedAt(A));
    expect(judge(s, { digest: A, finding: valid, decision: 'already-signed', now: T0 + 5000 }, opts).state.flag).toBe('none');
    const bad = judge(s, { digest: C, finding: none, decision: 'untrusted', now: T0 + 5000 }, opts).state;
    expect(bad.flag).toBe('violation');
    expect(judge(bad, { digest: B, finding: valid, decision: 'untrusted', now: T0 + 6000 }, opts).state).toMatchObject({
      digest: B,
      flag: 'none',
    });
  });

  it("judges any decision value other than the signer's own outcomes as untrusted", () => {
    expect(['signed', 'already-signed', 'failed', 'deleted', undefined].map((d) => isUntrustedDecision(d as never))).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
    expect(isUntrustedDecision('untrusted')).toBe(true);
    expect(isUntrustedDecision('tag-only' as never)).toBe(true);
  });

  it('keeps an untrusted push pending inside a signature window and a violation as soon as it ends', () => {
    const obs = { digest: B, finding: none, decision: 'untrusted' as const, signatureDueAt: T0 + 10_000 };
    expect(judge(signedAt(A), { ...obs, now: T0 + 1000 }, opts).state).toMatchObject({ verdict: 'pending', flag: 'none' });
    expect(judge(signedAt(A), { ...obs, now: T0 + 10_000 }, opts).state).toMatchObject({
      verdict: 'unsigned',
      flag: 'violation',
      reason: 'unsigned',
    });
  });

  it('makes an overwrite still error when its grace period ends a violation (unknown), but not a settled tag during an outage', () => {
    const err = judgeError(signedAt(A), B, T0 + 1000, opts)?.state;
    expect(err).toMatchObject({ digest: B, verdict: 'error', flag: 'none', unsettled: true });
    expect(judgeError(err, undefined, T0 + 1000 + opts.gracePeriodMs, opts)?.state).toMatchObject({ flag: 'violation', reason: 'unknown' });
    const settled = judge(signedAt(A), { digest: B, finding: valid, now: T0 + 1000 }, opts).state;
    const outage = judgeError(judgeError(settled, B, T0 + 99_000, opts)?.state, B, T0 + 199_000, opts)?.state;
    expect(outage).toMatchObject({ verdict: 'error', flag: 'none' });
    expect(outage?.unsettled).toBeUndefined();
  });
});
