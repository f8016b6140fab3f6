import type { SignerDecision } from '@signet/queue';
import type { TagState, Verdict } from './tag-state';

/** What the signature lookup of one digest found. A failed lookup is not a finding: see `judgeError`. */
export type SignatureFinding =
  | { kind: 'valid' }
  | { kind: 'none' }
  /** Signatures exist but none is valid for this digest, key set and identity (`code` says why). */
  | { kind: 'invalid'; code: string };

export interface JudgeOptions {
  gracePeriodMs: number;
  historyLength: number;
}

export interface Observation {
  digest: string;
  finding: SignatureFinding;
  /** The signer's decision on this digest, when one is recorded. */
  decision?: SignerDecision;
  now: number;
}

export interface Judgement {
  state: TagState;
  /** Set when this check settles an overwrite (the tag's digest replaced another): the counter's result label. */
  overwrite?: Verdict;
}

/**
 * A tag whose stored state is settled and whose digest is unchanged needs no signature lookup, except:
 * - `invalid`: a valid signature may have been added beside the bad one (a listing cannot show that), and
 *   such tags are rare anomalies, so each rescan looks again;
 * - `unsigned` once a rescan's tag listing shows a signature tag for it (signed since, by hand with cosign
 *   for instance).
 * Either may clear a standing violation.
 */
export function needsSignatureCheck(prev: TagState | undefined, digest: string, signatureTagListed = false): boolean {
  if (!prev || prev.digest !== digest) return true;
  return prev.verdict === 'pending' || prev.verdict === 'error' || prev.verdict === 'invalid' || (prev.verdict === 'unsigned' && signatureTagListed);
}

/** The state for `digest` before judging: the same record, or a fresh one that pushes the old digest into history. */
function advance(prev: TagState | undefined, digest: string, now: number, historyLength: number): TagState & { changed: boolean } {
  if (prev && prev.digest === digest) return { ...prev, changed: false };
  return {
    digest,
    firstSeen: now,
    verdict: 'pending',
    flag: prev?.flag === 'violation' ? 'violation' : 'none',
    replaced: prev !== undefined,
    checkedAt: now,
    history: prev ? [{ digest: prev.digest, firstSeen: prev.firstSeen }, ...prev.history].slice(0, historyLength) : [],
    changed: true,
  };
}

const strip = ({ changed: _changed, ...s }: TagState & { changed: boolean }): TagState => s;

/**
 * Judges one tag from its stored state and a fresh observation. Pure: the caller stores the result.
 *
 * - a validly signed digest is `signed` and clears any violation;
 * - an undecided digest first seen less than the grace period ago is `pending` (the signer may still sign it);
 *   a known signer decision (`untrusted`, `failed`, ...) ends the grace period at once;
 * - otherwise it is `unsigned` or `invalid`, and a violation when it replaced another digest or when a
 *   signature it had disappeared. A violation stands until the tag is validly signed again or acknowledged.
 */
export function judge(prev: TagState | undefined, obs: Observation, opts: JudgeOptions): Judgement {
  const next = advance(prev, obs.digest, obs.now, opts.historyLength);
  const lostSignature = !next.changed && prev?.verdict === 'signed' && obs.finding.kind !== 'valid';
  let verdict: Verdict;
  if (obs.finding.kind === 'valid') verdict = 'signed';
  else if (!lostSignature && obs.decision === undefined && obs.now - next.firstSeen < opts.gracePeriodMs) verdict = 'pending';
  else verdict = obs.finding.kind === 'none' ? 'unsigned' : 'invalid';

  let flag = next.flag;
  let replaced = next.replaced;
  if (verdict === 'signed') flag = 'none';
  else if (verdict === 'unsigned' || verdict === 'invalid') {
    if (lostSignature) replaced = true;
    if (replaced && flag !== 'acknowledged') flag = 'violation';
  }
  const state: TagState = { ...strip(next), verdict, flag, replaced, checkedAt: obs.now };
  const settlesOverwrite = next.replaced && (next.changed || prev?.verdict !== verdict);
  return { state, ...(settlesOverwrite || lostSignature ? { overwrite: verdict } : {}) };
}

/**
 * A lookup failed (throttled, 401, timeout, 5xx): the tag is `error`, never `unsigned`. A known new digest is
 * recorded so the retry still knows it replaced the old one; a standing violation stays. Nothing is stored for
 * a tag never seen whose digest is unknown.
 */
export function judgeError(prev: TagState | undefined, digest: string | undefined, now: number, opts: JudgeOptions): Judgement | undefined {
  if (digest === undefined) return prev && { state: { ...prev, verdict: 'error', checkedAt: now } };
  const next = advance(prev, digest, now, opts.historyLength);
  const state: TagState = { ...strip(next), verdict: 'error', checkedAt: now };
  return { state, ...(next.changed && next.replaced ? { overwrite: 'error' as const } : {}) };
}

/** When a pending digest's grace period ends (the moment to check it again). */
export function graceEndsAt(state: TagState, gracePeriodMs: number): number {
  return state.firstSeen + gracePeriodMs;
}

/** Operator acknowledgement: the standing violation of the current digest no longer alerts. */
export function acknowledge(state: TagState): TagState | undefined {
  return state.flag === 'violation' ? { ...state, flag: 'acknowledged' } : undefined;
}
