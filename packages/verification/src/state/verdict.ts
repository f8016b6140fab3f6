import type { SignerDecision } from '@signet/queue';
import type { TagState, Verdict } from './tag-state';

/** The `invalid` finding code of a digest signed only by a key in `verifier.revokedKeys`. */
export const REVOKED_KEY_CODE = 'REVOKED_KEY';

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
  /** End of an operator's signature window for this push (a signature made outside Signet is expected by then). */
  signatureDueAt?: number;
  now: number;
}

export interface Judgement {
  state: TagState;
  /** Set when this check settles an overwrite (the tag's digest replaced another): the counter's result label. */
  overwrite?: Verdict;
}

/**
 * A decision that vouches for nothing: any value other than the signer's own outcomes (`signed`,
 * `already-signed`, `failed`, `deleted`) means an actor outside the trust rules moved the tag, so a value
 * added later (a tag-only event, for instance) is judged as untrusted.
 */
export function isUntrustedDecision(decision: SignerDecision | undefined): boolean {
  return (
    decision !== undefined && decision !== 'signed' && decision !== 'already-signed' && decision !== 'failed' && decision !== 'deleted'
  );
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
  return (
    prev.verdict === 'pending' ||
    prev.verdict === 'error' ||
    prev.verdict === 'invalid' ||
    (prev.verdict === 'unsigned' && signatureTagListed)
  );
}

/** The state for `digest` before judging: the same record, or a fresh one that pushes the old digest into history. */
function advance(prev: TagState | undefined, digest: string, now: number, historyLength: number): TagState & { changed: boolean } {
  if (prev && prev.digest === digest) return { ...prev, changed: false };
  return {
    digest,
    firstSeen: now,
    verdict: 'pending',
    flag: prev?.flag === 'violation' ? 'violation' : 'none',
    ...(prev?.flag === 'violation' && prev.reason ? { reason: prev.reason } : {}),
    replaced: prev !== undefined,
    checkedAt: now,
    history: prev ? [{ digest: prev.digest, firstSeen: prev.firstSeen }, ...prev.history].slice(0, historyLength) : [],
    changed: true,
  };
}

const strip = ({ changed: _changed, unsettled: _unsettled, ...s }: TagState & { changed?: boolean }): TagState => s;
const withoutReason = ({ reason: _reason, ...s }: TagState): TagState => s;

/**
 * The tag moved back to a digest it held before. Undoing a standing violation (the digest the bad one
 * replaced comes back) is a repair, not a rollback.
 */
function movesBack(prev: TagState, digest: string): boolean {
  if (!prev.history.some((h) => h.digest === digest)) return false;
  return !(prev.flag !== 'none' && prev.history[0]?.digest === digest);
}

/**
 * Judges one tag from its stored state and a fresh observation. Pure: the caller stores the result.
 *
 * - a validly signed digest is `signed` and clears any violation, unless an untrusted push moved the tag back
 *   to it from a later digest: that is a `rollback` violation, standing until a trusted decision vouches for
 *   the digest, the tag moves on, or an operator acknowledges it;
 * - an undecided digest first seen less than the grace period ago is `pending` (the signer may still sign it);
 *   a known signer decision (`untrusted`, `failed`, ...) ends the grace period at once, but not an operator's
 *   signature window, which keeps a digest `pending` until `signatureDueAt`;
 * - otherwise it is `unsigned` or `invalid`, and a violation when it replaced another digest or when a
 *   signature it had disappeared. A violation stands until the tag is validly signed again or acknowledged;
 * - a digest signed only by a revoked key is `invalid` and always a violation (reason `revoked`), replaced or
 *   not: the key's holder may be the attacker, and the report lists every tag to re-sign or remove.
 */
export function judge(prev: TagState | undefined, obs: Observation, opts: JudgeOptions): Judgement {
  const next = advance(prev, obs.digest, obs.now, opts.historyLength);
  const lostSignature = !next.changed && prev?.verdict === 'signed' && obs.finding.kind !== 'valid';
  const untrusted = isUntrustedDecision(obs.decision);
  let verdict: Verdict;
  if (obs.finding.kind === 'valid') verdict = 'signed';
  else if (!lostSignature && obs.decision === undefined && obs.now - next.firstSeen < opts.gracePeriodMs) verdict = 'pending';
  else if (!lostSignature && obs.signatureDueAt !== undefined && obs.now < obs.signatureDueAt) verdict = 'pending';
  else verdict = obs.finding.kind === 'none' ? 'unsigned' : 'invalid';

  let state: TagState = { ...strip(next), verdict, checkedAt: obs.now };
  if (verdict === 'signed') {
    const rollback = next.changed && untrusted && prev !== undefined && movesBack(prev, obs.digest);
    const standingRollback =
      !next.changed && prev?.reason === 'rollback' && prev.flag !== 'none' && (untrusted || obs.decision === undefined);
    if (rollback) state = { ...state, flag: 'violation', reason: 'rollback' };
    else if (!standingRollback) state = withoutReason({ ...state, flag: 'none' });
  } else if (verdict === 'unsigned' || verdict === 'invalid') {
    const replaced = state.replaced || lostSignature;
    const revoked = obs.finding.kind === 'invalid' && obs.finding.code === REVOKED_KEY_CODE;
    state = { ...state, replaced };
    if ((replaced || revoked) && state.flag !== 'acknowledged')
      state = { ...state, flag: 'violation', reason: revoked ? 'revoked' : verdict };
  }
  const settlesOverwrite = next.replaced && (next.changed || prev?.verdict !== verdict);
  return { state, ...(settlesOverwrite || lostSignature ? { overwrite: verdict } : {}) };
}

/**
 * A lookup failed (throttled, 401, timeout, 5xx): the tag is `error`, never `unsigned`. A known new digest is
 * recorded so the retry still knows it replaced the old one; a standing violation stays. Nothing is stored for
 * a tag never seen whose digest is unknown. An overwrite whose digest was never judged and is still `error`
 * when its grace period ends is a violation (reason `unknown`): an attacker who can make lookups fail (a
 * poisoned artifact, a throttled registry) must not be able to hold the tag unjudged.
 */
export function judgeError(prev: TagState | undefined, digest: string | undefined, now: number, opts: JudgeOptions): Judgement | undefined {
  if (digest === undefined && !prev) return undefined;
  const next = advance(prev, digest ?? (prev as TagState).digest, now, opts.historyLength);
  const unsettled = next.changed || prev?.verdict === 'pending' || (prev?.verdict === 'error' && prev.unsettled === true);
  let state: TagState = { ...strip(next), verdict: 'error', checkedAt: now, ...(unsettled ? { unsettled: true } : {}) };
  if (unsettled && state.replaced && state.flag === 'none' && now - state.firstSeen >= opts.gracePeriodMs)
    state = { ...state, flag: 'violation', reason: 'unknown' };
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
