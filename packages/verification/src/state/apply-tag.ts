import { encodeTagState, type TagState } from './tag-state';
import type { RedisClient, Stored, TagRef } from './tag-state-store';
import { legacyViolationMember, stateMember } from './violation-members';

/**
 * Writes one tag's record only if it still holds what the writer read (optimistic concurrency between
 * replicas), and keeps the shared views in step in the same atomic step: the violations set, the pending
 * set (score = first seen), the per-registry verdict counts, the set of known repositories and the
 * tombstones of deleted tags.
 * KEYS: tags hash, violations set, stats hash, pending zset, repositories set, tombstones hash.
 * ARGV: field, expected, new ('' = delete), old violation, new violation, pending member, pending score
 * ('' = not pending), repository member, old violation as written before reasons existed, tombstone (the
 * deleted tag's last record; '' when not deleting), then (stats field, delta) pairs.
 */
const APPLY_TAG = `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if not cur then cur = '' end
if cur ~= ARGV[2] then return 0 end
if ARGV[3] == '' then redis.call('HDEL', KEYS[1], ARGV[1]) else redis.call('HSET', KEYS[1], ARGV[1], ARGV[3]) end
if ARGV[4] ~= '' then redis.call('SREM', KEYS[2], ARGV[4], ARGV[9]) end
if ARGV[5] ~= '' then redis.call('SADD', KEYS[2], ARGV[5]) end
if ARGV[7] == '' then redis.call('ZREM', KEYS[4], ARGV[6]) else redis.call('ZADD', KEYS[4], ARGV[7], ARGV[6]) end
if ARGV[3] ~= '' then
  redis.call('SADD', KEYS[5], ARGV[8])
  redis.call('HDEL', KEYS[6], ARGV[1])
elseif ARGV[10] ~= '' then
  redis.call('HSET', KEYS[6], ARGV[1], ARGV[10])
end
for i = 11, #ARGV, 2 do
  if redis.call('HINCRBY', KEYS[3], ARGV[i], ARGV[i + 1]) <= 0 then redis.call('HDEL', KEYS[3], ARGV[i]) end
end
return 1
`;

interface ApplyCommand {
  signetApplyTag(...args: string[]): Promise<number>;
}

/** The keys one write touches, in the order the script takes them. */
export interface ApplyTagKeys {
  tags: string;
  violations: string;
  stats: string;
  pending: string;
  repositories: string;
  tombstones: string;
}

/** Counted as "unsigned" (the warning gauge): settled without a valid signature and not alerting as a violation. */
export const countsAsUnsigned = (s: TagState) => (s.verdict === 'unsigned' || s.verdict === 'invalid') && s.flag !== 'violation';

/** Defines the script on a connection once; a connection shared by several stores keeps the first definition. */
export function defineApplyTag(redis: RedisClient): void {
  if (!(redis as unknown as Partial<ApplyCommand>).signetApplyTag)
    redis.defineCommand('signetApplyTag', { numberOfKeys: 6, lua: APPLY_TAG });
}

/** Changes in the per-registry verdict counts when a tag's state goes from `prev` to `next`. */
function statDeltas(registry: string, prev: TagState | undefined, next: TagState | undefined): Map<string, number> {
  const deltas = new Map<string, number>();
  const bump = (s: TagState | undefined, by: number) => {
    if (!s) return;
    const v = `${registry}|verdict:${s.verdict}`;
    deltas.set(v, (deltas.get(v) ?? 0) + by);
    if (countsAsUnsigned(s)) deltas.set(`${registry}|unsigned`, (deltas.get(`${registry}|unsigned`) ?? 0) + by);
  };
  bump(prev, -1);
  bump(next, 1);
  return deltas;
}

/** Replaces `from` with `next` (undefined = forget the tag). False when another writer got there first. */
export async function applyTag(
  redis: RedisClient,
  keys: ApplyTagKeys,
  ref: TagRef,
  from: Stored,
  next: TagState | undefined,
): Promise<boolean> {
  const prev = from.raw === null ? undefined : from.state;
  const deltas = statDeltas(ref.registry, prev, next);
  const args = [
    ref.tag,
    from.raw ?? '',
    next ? encodeTagState(next) : '',
    prev?.flag === 'violation' ? stateMember(ref, prev) : '',
    next?.flag === 'violation' ? stateMember(ref, next) : '',
    `${ref.repository}\t${ref.tag}`,
    next?.verdict === 'pending' ? String(next.firstSeen) : '',
    `${ref.registry}/${ref.repository}`,
    prev ? legacyViolationMember(ref, prev.digest) : '',
    !next && prev ? encodeTagState({ ...prev, checkedAt: Date.now() }) : '',
    ...[...deltas].filter(([, d]) => d !== 0).flatMap(([f, d]) => [f, String(d)]),
  ];
  const ordered = [keys.tags, keys.violations, keys.stats, keys.pending, keys.repositories, keys.tombstones];
  return (await (redis as unknown as ApplyCommand).signetApplyTag(...ordered, ...args)) === 1;
}
