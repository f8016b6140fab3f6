/**
 * The verifier's record of one tag, and its compact encoding as a Redis hash value.
 *
 * One hash per repository holds every tag (field = tag). The value is a short delimited string so a tag costs
 * well under 200 bytes of Redis memory: digests are stored as 43-character base64url (not 71-character
 * `sha256:<hex>`), times as base-36 milliseconds.
 */
import { digestAlgorithm, isDigest } from '@signet/oci';

export const VERDICTS = ['signed', 'pending', 'unsigned', 'invalid', 'error'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** `violation`: a violation stands for the current digest; `acknowledged`: an operator acknowledged it. */
export type ViolationFlag = 'none' | 'violation' | 'acknowledged';

/**
 * Why a violation stands: the new digest has no signature (`unsigned`), only bad ones (`invalid`), could
 * still not be checked when its grace period ended (`unknown`: unknown is not safe), or is validly signed
 * but an untrusted push moved the tag back to it from a later digest (`rollback`), or signed only by a key
 * in `verifier.revokedKeys` (`revoked`: a compromised key vouched for it, whether or not it replaced another).
 */
export const VIOLATION_REASONS = ['unsigned', 'invalid', 'unknown', 'rollback', 'revoked'] as const;
export type ViolationReason = (typeof VIOLATION_REASONS)[number];

export interface PreviousDigest {
  digest: string;
  firstSeen: number;
}

export interface TagState {
  digest: string;
  /** When the verifier first saw the tag point to `digest` (ms since epoch). */
  firstSeen: number;
  verdict: Verdict;
  flag: ViolationFlag;
  /** The current digest replaced an earlier one (an overwrite), so an unsigned verdict is a violation. */
  replaced: boolean;
  /** When the signatures were last checked (ms since epoch). */
  checkedAt: number;
  /** Earlier digests, newest first, bounded by `historyLength`. */
  history: PreviousDigest[];
  /** Why the violation (standing or acknowledged) was raised; records written before reasons existed have none. */
  reason?: ViolationReason;
  /** Verdict `error` on a digest that was never judged (a new digest whose lookups keep failing). */
  unsettled?: boolean;
}

/** The reason a violation carries, derived from the verdict for records that predate stored reasons. */
export function reasonOf(s: TagState): ViolationReason {
  return s.reason ?? (s.verdict === 'invalid' ? 'invalid' : s.verdict === 'error' ? 'unknown' : 'unsigned');
}

const VERDICT_CODE: Record<Verdict, string> = { signed: 'S', pending: 'P', unsigned: 'U', invalid: 'I', error: 'E' };
const FLAG_CODE: Record<ViolationFlag, string> = { none: '-', violation: 'V', acknowledged: 'A' };
const invert = <K extends string>(m: Record<K, string>) =>
  Object.fromEntries(Object.entries(m).map(([k, v]) => [v, k])) as Record<string, K>;
// A new reason takes a new character: records written before it still decode unchanged.
const REASON_CODE: Record<ViolationReason, string> = { unsigned: 'U', invalid: 'I', unknown: 'K', rollback: 'R', revoked: 'D' };
const VERDICT_OF = invert(VERDICT_CODE);
const FLAG_OF = invert(FLAG_CODE);
const REASON_OF = invert(REASON_CODE);

/** `sha256:<hex>` → 43 base64url characters. Other algorithms are kept as they are (they contain `:`). */
export function packDigest(digest: string): string {
  return isDigest(digest) && digestAlgorithm(digest) === 'sha256'
    ? Buffer.from(digest.slice('sha256:'.length), 'hex').toString('base64url')
    : digest;
}

export function unpackDigest(packed: string): string {
  return packed.includes(':') ? packed : `sha256:${Buffer.from(packed, 'base64url').toString('hex')}`;
}

const packTime = (ms: number) => Math.max(0, Math.round(ms)).toString(36);
const unpackTime = (s: string) => parseInt(s, 36);

/**
 * `<verdict><flag><replaced>[<reason>[N]]|<digest>|<firstSeen>|<checkedAt>|<digest>.<firstSeen>,...`, for
 * example `SV1|q83...|m3x1k2|m3x1k9|` (about 70 bytes for a tag without history). The reason character
 * (`-` for none) and `N` (unsettled) are written only when set, so records from before them still decode.
 */
export function encodeTagState(s: TagState): string {
  let head = VERDICT_CODE[s.verdict] + FLAG_CODE[s.flag] + (s.replaced ? '1' : '0');
  if (s.reason || s.unsettled) head += s.reason ? REASON_CODE[s.reason] : '-';
  if (s.unsettled) head += 'N';
  const history = s.history.map((h) => `${packDigest(h.digest)}.${packTime(h.firstSeen)}`).join(',');
  return [head, packDigest(s.digest), packTime(s.firstSeen), packTime(s.checkedAt), history].join('|');
}

/** Decodes a stored value; undefined when it is not one (a foreign or corrupt value is re-learned by a check). */
export function decodeTagState(value: string | null | undefined): TagState | undefined {
  if (!value) return undefined;
  const [head, digest, firstSeen, checkedAt, history] = value.split('|');
  if (!head || head.length < 3 || head.length > 5 || !digest || !firstSeen || !checkedAt || history === undefined) return undefined;
  const verdict = VERDICT_OF[head[0] as string];
  const flag = FLAG_OF[head[1] as string];
  const reason = head.length > 3 && head[3] !== '-' ? REASON_OF[head[3] as string] : undefined;
  if (!verdict || !flag || (head.length > 3 && head[3] !== '-' && !reason) || (head.length > 4 && head[4] !== 'N')) return undefined;
  return {
    ...(reason ? { reason } : {}),
    ...(head[4] === 'N' ? { unsettled: true } : {}),
    digest: unpackDigest(digest),
    firstSeen: unpackTime(firstSeen),
    verdict,
    flag,
    replaced: head[2] === '1',
    checkedAt: unpackTime(checkedAt),
    history: history
      ? history.split(',').map((h) => {
          const [d = '', t = '0'] = h.split('.');
          return { digest: unpackDigest(d), firstSeen: unpackTime(t) };
        })
      : [],
  };
}
