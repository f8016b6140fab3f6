import { applyTag, defineApplyTag, type ApplyTagKeys } from './apply-tag';
import { encodeDecision, parseDecision } from './decision-records';
import { decodeTagState, packDigest, type TagState, type Verdict, type ViolationReason } from './tag-state';
import type { DecisionRecord, RedisClient, Stored, TagRef, TagStateStore, ViolationRecord } from './tag-state-store';
import { parseViolationMembers, violationMember } from './violation-members';

// The store's module is where the rest of the package finds the types of the interface it implements.
export type { DecisionRecord, RedisClient, Stored, TagRef, TagStateStore, ViolationRecord } from './tag-state-store';

/** Tag state, signer decisions and the shared views every replica's /metrics reads. */
export class TagStore implements TagStateStore {
  constructor(
    readonly redis: RedisClient,
    readonly prefix: string,
  ) {
    defineApplyTag(redis);
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
    return applyTag(this.redis, this.applyKeys(ref), ref, from, next);
  }

  private applyKeys(ref: TagRef): ApplyTagKeys {
    return {
      tags: this.key('tags', ref.registry, ref.repository),
      violations: this.violationsKey,
      stats: this.statsKey,
      pending: this.pendingKey(ref.registry),
      repositories: this.reposKey,
      tombstones: this.key('gone', ref.registry, ref.repository),
    };
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
    await this.redis.sadd(this.tracesKey, violationMember(ref, digest, reason));
  }

  async traces(): Promise<ViolationRecord[]> {
    return parseViolationMembers(await this.redis.smembers(this.tracesKey));
  }

  /** Acknowledges every trace of a tag. Returns the digests they named. */
  async clearTraces(ref: TagRef): Promise<string[]> {
    const mine = (await this.traces()).filter((t) => t.registry === ref.registry && t.repository === ref.repository && t.tag === ref.tag);
    if (mine.length) await this.redis.srem(this.tracesKey, ...mine.map((t) => violationMember(t, t.digest, t.reason)));
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
    await this.redis.hset(this.key('decisions', registry, repository), packDigest(digest), encodeDecision(record, now + ttlMs));
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
    return parseViolationMembers(await this.redis.smembers(this.violationsKey));
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
