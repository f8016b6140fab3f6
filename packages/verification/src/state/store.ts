import type { Cluster, Redis } from 'ioredis';
import type { SignerDecision } from '@signet/queue';
import {
  decodeTagState,
  encodeTagState,
  packDigest,
  reasonOf,
  VIOLATION_REASONS,
  type TagState,
  type Verdict,
  type ViolationReason,
} from './tag-state';

export type RedisClient = Redis | Cluster;

export interface TagRef {
  registry: string;
  repository: string;
  tag: string;
}

/** A stored value as read: `raw` is the compare-and-set token of the next write (null = no record). */
export interface Stored {
  raw: string | null;
  state?: TagState;
}

export interface ViolationRecord extends TagRef {
  digest: string;
  reason: ViolationReason;
}

/** What the signer decided about a digest, and until when an operator's window expects a signature made elsewhere. */
export interface DecisionRecord {
  decision: SignerDecision;
  signatureDueAt?: number;
}

/** What a check needs from the state (Redis in production; memory for a one-shot `signet scan --no-state`). */
export interface TagStateStore {
  read(ref: TagRef): Promise<Stored>;
  readRepository(registry: string, repository: string): Promise<Map<string, Stored>>;
  /** Replaces `from` with `next`; undefined forgets the tag, keeping its last record as a tombstone. */
  apply(ref: TagRef, from: Stored, next: TagState | undefined): Promise<boolean>;
  /** The last record of a deleted tag, so a re-push is judged as the replacement it is. */
  tombstone(ref: TagRef): Promise<TagState | undefined>;
  tombstones(registry: string, repository: string): Promise<Map<string, TagState>>;
  /** Drops tombstones of tags deleted before `before` (ms). Returns how many. */
  pruneTombstones(registry: string, repository: string, before: number): Promise<number>;
  /** A durable trace: a digest without a valid signature was on the tag (stays until acknowledged). */
  recordTrace(ref: TagRef, digest: string, reason: ViolationReason): Promise<void>;
  recordDecision(
    registry: string,
    repository: string,
    digest: string,
    decision: DecisionRecord,
    ttlMs: number,
    now?: number,
  ): Promise<void>;
  decision(registry: string, repository: string, digest: string, now?: number): Promise<DecisionRecord | undefined>;
  decisions(registry: string, repository: string, now?: number): Promise<Map<string, DecisionRecord>>;
  pruneDecisions(registry: string, repository: string, now?: number): Promise<number>;
  /**
   * Remembers a repository a webhook named, before any tag state exists, so a rescan visits it where the
   * registry offers no catalog. Optional: a one-shot scan's memory store learns nothing.
   */
  rememberRepository?(registry: string, repository: string): Promise<void>;
  /** Repositories of a registry that have had tag state or were named by a webhook. */
  knownRepositories?(registry: string): Promise<string[]>;
  /** What the registry's catalog last answered, for `signet_catalog_available`. */
  recordCatalog?(registry: string, available: boolean): Promise<void>;
  /** The trust configuration (`RepositoryKeys.configFingerprint`) the last complete rescan judged with. */
  keyConfig?(): Promise<string | null>;
  recordKeyConfig?(fingerprint: string): Promise<void>;
}

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

/** Counted as "unsigned" (the warning gauge): settled without a valid signature and not alerting as a violation. */
export const countsAsUnsigned = (s: TagState) => (s.verdict === 'unsigned' || s.verdict === 'invalid') && s.flag !== 'violation';

const member = (ref: TagRef, digest: string, reason: ViolationReason) =>
  JSON.stringify([ref.registry, ref.repository, ref.tag, digest, reason]);
const violationMember = (ref: TagRef, s: TagState) => member(ref, s.digest, reasonOf(s));
/** Members written before violations carried a reason; removed beside the current form. */
const legacyViolationMember = (ref: TagRef, digest: string) => JSON.stringify([ref.registry, ref.repository, ref.tag, digest]);

function parseMembers(members: string[]): ViolationRecord[] {
  return members.flatMap((m) => {
    const [registry, repository, tag, digest, reason = 'unsigned'] = JSON.parse(m) as string[];
    const known = (VIOLATION_REASONS as readonly string[]).includes(reason);
    return registry && repository && tag && digest && known
      ? [{ registry, repository, tag, digest, reason: reason as ViolationReason }]
      : [];
  });
}

/** Tag state, signer decisions and the shared views every replica's /metrics reads. */
export class TagStore implements TagStateStore {
  constructor(
    readonly redis: RedisClient,
    readonly prefix: string,
  ) {
    if (!(redis as unknown as Partial<ApplyCommand>).signetApplyTag)
      redis.defineCommand('signetApplyTag', { numberOfKeys: 6, lua: APPLY_TAG });
  }

  key(kind: 'tags' | 'decisions' | 'gone', registry: string, repository: string): string {
    return `${this.prefix}:${kind}:${registry}/${repository}`;
  }
  get violationsKey() {
    return `${this.prefix}:violations`;
  }
  /** Durable traces of digests without a valid signature that were on a tag, until acknowledged. */
  get tracesKey() {
    return `${this.prefix}:traces`;
  }
  get statsKey() {
    return `${this.prefix}:verifier:stats`;
  }
  get reposKey() {
    return `${this.prefix}:repositories`;
  }
  get catalogKey() {
    return `${this.prefix}:verifier:catalog`;
  }
  pendingKey(registry: string) {
    return `${this.prefix}:pending:${registry}`;
  }

  async read(ref: TagRef): Promise<Stored> {
    const raw = await this.redis.hget(this.key('tags', ref.registry, ref.repository), ref.tag);
    return { raw, state: decodeTagState(raw) };
  }

  /** Every tag of a repository in one round trip. */
  async readRepository(registry: string, repository: string): Promise<Map<string, Stored>> {
    const all = await this.redis.hgetall(this.key('tags', registry, repository));
    return new Map(Object.entries(all).map(([tag, raw]) => [tag, { raw, state: decodeTagState(raw) }]));
  }

  /** Replaces `from` with `next` (undefined = forget the tag). False when another writer got there first. */
  async apply(ref: TagRef, from: Stored, next: TagState | undefined): Promise<boolean> {
    const prev = from.raw === null ? undefined : from.state;
    const deltas = new Map<string, number>();
    const bump = (s: TagState | undefined, by: number) => {
      if (!s) return;
      const v = `${ref.registry}|verdict:${s.verdict}`;
      deltas.set(v, (deltas.get(v) ?? 0) + by);
      if (countsAsUnsigned(s)) deltas.set(`${ref.registry}|unsigned`, (deltas.get(`${ref.registry}|unsigned`) ?? 0) + by);
    };
    bump(prev, -1);
    bump(next, 1);
    const oldViolation = prev?.flag === 'violation' ? violationMember(ref, prev) : '';
    const newViolation = next?.flag === 'violation' ? violationMember(ref, next) : '';
    const args = [
      ref.tag,
      from.raw ?? '',
      next ? encodeTagState(next) : '',
      oldViolation,
      newViolation,
      `${ref.repository}\t${ref.tag}`,
      next?.verdict === 'pending' ? String(next.firstSeen) : '',
      `${ref.registry}/${ref.repository}`,
      prev ? legacyViolationMember(ref, prev.digest) : '',
      !next && prev ? encodeTagState({ ...prev, checkedAt: Date.now() }) : '',
      ...[...deltas].filter(([, d]) => d !== 0).flatMap(([f, d]) => [f, String(d)]),
    ];
    const keys = [
      this.key('tags', ref.registry, ref.repository),
      this.violationsKey,
      this.statsKey,
      this.pendingKey(ref.registry),
      this.reposKey,
      this.key('gone', ref.registry, ref.repository),
    ];
    return (await (this.redis as unknown as ApplyCommand).signetApplyTag(...keys, ...args)) === 1;
  }

  async tombstone(ref: TagRef): Promise<TagState | undefined> {
    return decodeTagState(await this.redis.hget(this.key('gone', ref.registry, ref.repository), ref.tag));
  }

  async tombstones(registry: string, repository: string): Promise<Map<string, TagState>> {
    const all = await this.redis.hgetall(this.key('gone', registry, repository));
    return new Map(
      Object.entries(all).flatMap(([tag, raw]) => {
        const s = decodeTagState(raw);
        return s ? [[tag, s] as const] : [];
      }),
    );
  }

  async pruneTombstones(registry: string, repository: string, before: number): Promise<number> {
    const old = [...(await this.tombstones(registry, repository))].filter(([, s]) => s.checkedAt < before).map(([tag]) => tag);
    if (old.length) await this.redis.hdel(this.key('gone', registry, repository), ...old);
    return old.length;
  }

  async recordTrace(ref: TagRef, digest: string, reason: ViolationReason): Promise<void> {
    await this.redis.sadd(this.tracesKey, member(ref, digest, reason));
  }

  async traces(): Promise<ViolationRecord[]> {
    return parseMembers(await this.redis.smembers(this.tracesKey));
  }

  /** Acknowledges every trace of a tag. Returns the digests they named. */
  async clearTraces(ref: TagRef): Promise<string[]> {
    const mine = (await this.traces()).filter((t) => t.registry === ref.registry && t.repository === ref.repository && t.tag === ref.tag);
    if (mine.length) await this.redis.srem(this.tracesKey, ...mine.map((t) => member(t, t.digest, t.reason)));
    return mine.map((t) => t.digest);
  }

  /** Records what the signer decided about a digest; kept `ttlMs` (only the grace period and windows need it). */
  async recordDecision(
    registry: string,
    repository: string,
    digest: string,
    record: DecisionRecord,
    ttlMs: number,
    now = Date.now(),
  ): Promise<void> {
    const due = record.signatureDueAt === undefined ? '' : `|${record.signatureDueAt.toString(36)}`;
    await this.redis.hset(
      this.key('decisions', registry, repository),
      packDigest(digest),
      `${record.decision}|${(now + ttlMs).toString(36)}${due}`,
    );
  }

  async decision(registry: string, repository: string, digest: string, now = Date.now()): Promise<DecisionRecord | undefined> {
    const raw = await this.redis.hget(this.key('decisions', registry, repository), packDigest(digest));
    return parseDecision(raw, now);
  }

  /** All unexpired decisions of a repository (a rescan reads them once). */
  async decisions(registry: string, repository: string, now = Date.now()): Promise<Map<string, DecisionRecord>> {
    const all = await this.redis.hgetall(this.key('decisions', registry, repository));
    const out = new Map<string, DecisionRecord>();
    for (const [packed, raw] of Object.entries(all)) {
      const d = parseDecision(raw, now);
      if (d) out.set(packed, d);
    }
    return out;
  }

  /** Deletes expired decision fields (Redis 7.0 hashes have no per-field expiry). Returns how many. */
  async pruneDecisions(registry: string, repository: string, now = Date.now()): Promise<number> {
    const key = this.key('decisions', registry, repository);
    const all = await this.redis.hgetall(key);
    const expired = Object.entries(all)
      .filter(([, raw]) => !parseDecision(raw, now))
      .map(([f]) => f);
    if (expired.length) await this.redis.hdel(key, ...expired);
    return expired.length;
  }

  async violations(): Promise<ViolationRecord[]> {
    return parseMembers(await this.redis.smembers(this.violationsKey));
  }

  /** Tag counts per registry and verdict, and per registry the count of unsigned (non-violation) tags. */
  async stats(): Promise<{ verdicts: Array<{ registry: string; verdict: Verdict; count: number }>; unsigned: Map<string, number> }> {
    const all = await this.redis.hgetall(this.statsKey);
    const verdicts: Array<{ registry: string; verdict: Verdict; count: number }> = [];
    const unsigned = new Map<string, number>();
    for (const [field, value] of Object.entries(all)) {
      const [registry = '', what = ''] = field.split('|');
      if (what === 'unsigned') unsigned.set(registry, Number(value));
      else if (what.startsWith('verdict:')) verdicts.push({ registry, verdict: what.slice(8) as Verdict, count: Number(value) });
    }
    return { verdicts, unsigned };
  }

  /** First-seen time of the oldest pending tag of a registry. */
  async oldestPending(registry: string): Promise<number | undefined> {
    const [, score] = await this.redis.zrange(this.pendingKey(registry), 0, 0, 'WITHSCORES');
    return score === undefined ? undefined : Number(score);
  }

  /** `registry/repository` of every repository with state or named by a webhook. */
  async repositories(): Promise<string[]> {
    return (await this.redis.smembers(this.reposKey)).sort();
  }

  async rememberRepository(registry: string, repository: string): Promise<void> {
    await this.redis.sadd(this.reposKey, `${registry}/${repository}`);
  }

  async knownRepositories(registry: string): Promise<string[]> {
    // Registry names have no '/', so the first one ends the name.
    const mine = `${registry}/`;
    return (await this.redis.smembers(this.reposKey)).filter((m) => m.startsWith(mine)).map((m) => m.slice(mine.length));
  }

  async recordCatalog(registry: string, available: boolean): Promise<void> {
    await this.redis.hset(this.catalogKey, registry, available ? '1' : '0');
  }

  async keyConfig(): Promise<string | null> {
    return this.redis.get(`${this.prefix}:verifier:key-config`);
  }

  async recordKeyConfig(fingerprint: string): Promise<void> {
    await this.redis.set(`${this.prefix}:verifier:key-config`, fingerprint);
  }

  /** Registry → whether its catalog answered at the last rescan (absent before the first). */
  async catalogAvailability(): Promise<Map<string, boolean>> {
    return new Map(Object.entries(await this.redis.hgetall(this.catalogKey)).map(([registry, v]) => [registry, v === '1']));
  }
}

function parseDecision(raw: string | null | undefined, now: number): DecisionRecord | undefined {
  if (!raw) return undefined;
  const [decision, expires, due] = raw.split('|');
  if (!decision || !expires || parseInt(expires, 36) <= now) return undefined;
  return { decision: decision as SignerDecision, ...(due ? { signatureDueAt: parseInt(due, 36) } : {}) };
}
