/**
 * The verifier's record of one tag, and its compact encoding as a Redis hash value.
 *
 * One hash per repository holds every tag (field = tag). The value is a short delimited string so a tag costs
 * well under 200 bytes of Redis memory: digests are stored as 43-character base64url (not 71-character
 * `sha256:<hex>`), times as base-36 milliseconds.
 */

export const VERDICTS = ['signed', 'pending', 'unsigned', 'invalid', 'error'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** `violation`: a violation stands for the current digest; `acknowledged`: an operator acknowledged it. */
export type ViolationFlag = 'none' | 'violation' | 'acknowledged';

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
}

const VERDICT_CODE: Record<Verdict, string> = { signed: 'S', pending: 'P', unsigned: 'U', invalid: 'I', error: 'E' };
const FLAG_CODE: Record<ViolationFlag, string> = { none: '-', violation: 'V', acknowledged: 'A' };
const invert = <K extends string>(m: Record<K, string>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [v, k])) as Record<string, K>;
const VERDICT_OF = invert(VERDICT_CODE);
const FLAG_OF = invert(FLAG_CODE);

const SHA256 = /^sha256:([0-9a-f]{64})$/;

/** `sha256:<hex>` → 43 base64url characters. Other algorithms are kept as they are (they contain `:`). */
export function packDigest(digest: string): string {
  const m = SHA256.exec(digest);
  return m ? Buffer.from(m[1] as string, 'hex').toString('base64url') : digest;
}

export function unpackDigest(packed: string): string {
  return packed.includes(':') ? packed : `sha256:${Buffer.from(packed, 'base64url').toString('hex')}`;
}

const packTime = (ms: number) => Math.max(0, Math.round(ms)).toString(36);
const unpackTime = (s: string) => parseInt(s, 36);

/**
 * `<verdict><flag><replaced>|<digest>|<firstSeen>|<checkedAt>|<digest>.<firstSeen>,...`, for example
 * `SV1|q83...|m3x1k2|m3x1k9|` (about 70 bytes for a tag without history).
 */
export function encodeTagState(s: TagState): string {
  const head = VERDICT_CODE[s.verdict] + FLAG_CODE[s.flag] + (s.replaced ? '1' : '0');
  const history = s.history.map((h) => `${packDigest(h.digest)}.${packTime(h.firstSeen)}`).join(',');
  return [head, packDigest(s.digest), packTime(s.firstSeen), packTime(s.checkedAt), history].join('|');
}

/** Decodes a stored value; undefined when it is not one (a foreign or corrupt value is re-learned by a check). */
export function decodeTagState(value: string | null | undefined): TagState | undefined {
  if (!value) return undefined;
  const [head, digest, firstSeen, checkedAt, history] = value.split('|');
  if (!head || head.length !== 3 || !digest || !firstSeen || !checkedAt || history === undefined) return undefined;
  const verdict = VERDICT_OF[head[0] as string];
  const flag = FLAG_OF[head[1] as string];
  if (!verdict || !flag) return undefined;
  return {
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

/** True for tags that hold signatures, attestations or SBOMs of a digest rather than an image. */
export function isArtifactTag(tag: string): boolean {
  return /^sha256-[0-9a-f]{64}(\.(sig|att|sbom))?$/.test(tag);
}
