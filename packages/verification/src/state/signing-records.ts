import type { RedisClient } from './tag-state-store';

/**
 * Evidence that a digest came from a trusted push: the signer writes one when it decides `signed` or
 * `already-signed` for a pusher its trust rules accept. After a key compromise, `signet resign` re-signs only
 * digests with a record; a digest the stolen key signed without one is left for a human. A signature proves
 * only that some holder of the key signed; the record says Signet itself saw the trusted push.
 */
export interface SigningRecord {
  /** The pusher the trust rule accepted. */
  actor: string;
  /** When the signer decided (ms since the epoch). */
  at: number;
  /** Short fingerprint of the signer's key when it decided. */
  key: string;
  /** The push job that carried the event. */
  pushJobId: string;
  /** The docker-reference the signer signs the digest under (`host/repo:tag` or `host/repo`). */
  identity: string;
}

export interface SigningRecordsOptions {
  /** Records kept per repository; the oldest go first. Default 50,000 (about 10 MB of Redis). */
  maxPerRepository?: number;
}

/**
 * Writes the record, notes its time in the repository's index and its repository in the registry's set, then
 * drops the oldest records beyond the bound, in one step (a reader never sees a record without its index).
 * KEYS: records hash, time index zset, repositories set. ARGV: digest, record, time, repository member, bound.
 */
const PUT_RECORD = `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
redis.call('SADD', KEYS[3], ARGV[4])
local over = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[5])
if over > 0 then
  local old = redis.call('ZRANGE', KEYS[2], 0, over - 1)
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, over - 1)
  redis.call('HDEL', KEYS[1], unpack(old))
end
return 1
`;

interface PutRecordCommand {
  signetPutSigningRecord(
    records: string,
    index: string,
    repositories: string,
    digest: string,
    record: string,
    at: number,
    member: string,
    bound: number,
  ): Promise<number>;
}

/** Compact JSON: one record is about 200 bytes. */
interface Stored {
  a: string;
  t: number;
  k: string;
  j: string;
  i: string;
}

function decode(raw: string | null | undefined): SigningRecord | undefined {
  if (!raw) return undefined;
  try {
    const s = JSON.parse(raw) as Partial<Stored>;
    if (typeof s.a !== 'string' || typeof s.t !== 'number' || typeof s.i !== 'string') return undefined;
    return { actor: s.a, at: s.t, key: s.k ?? '', pushJobId: s.j ?? '', identity: s.i };
  } catch {
    return undefined;
  }
}

/**
 * Signing records in Redis: a hash per registry and repository (field = digest), a time index beside it for
 * the bound, and a set of the repositories that have records. Every key sits under the configured prefix, whose
 * hash tag keeps them on one Redis Cluster slot with the rest of Signet's keys.
 */
export class SigningRecords {
  private readonly bound: number;

  constructor(
    readonly redis: RedisClient,
    readonly prefix: string,
    opts: SigningRecordsOptions = {},
  ) {
    this.bound = opts.maxPerRepository ?? 50_000;
    if (!(redis as unknown as Partial<PutRecordCommand>).signetPutSigningRecord)
      redis.defineCommand('signetPutSigningRecord', { numberOfKeys: 3, lua: PUT_RECORD });
  }

  private key(kind: 'signed' | 'signed-at', registry: string, repository: string): string {
    return `${this.prefix}:${kind}:${registry}/${repository}`;
  }

  private reposKey(registry: string): string {
    return `${this.prefix}:signed-repositories:${registry}`;
  }

  async record(registry: string, repository: string, digest: string, record: SigningRecord): Promise<void> {
    const stored: Stored = { a: record.actor, t: record.at, k: record.key, j: record.pushJobId, i: record.identity };
    await (this.redis as unknown as PutRecordCommand).signetPutSigningRecord(
      this.key('signed', registry, repository),
      this.key('signed-at', registry, repository),
      this.reposKey(registry),
      digest,
      JSON.stringify(stored),
      record.at,
      repository,
      this.bound,
    );
  }

  async get(registry: string, repository: string, digest: string): Promise<SigningRecord | undefined> {
    return decode(await this.redis.hget(this.key('signed', registry, repository), digest));
  }

  /** Every record of a repository, by digest. */
  async list(registry: string, repository: string): Promise<Map<string, SigningRecord>> {
    const all = await this.redis.hgetall(this.key('signed', registry, repository));
    const out = new Map<string, SigningRecord>();
    for (const [digest, raw] of Object.entries(all)) {
      const record = decode(raw);
      if (record) out.set(digest, record);
    }
    return out;
  }

  /** Repositories of a registry that hold records. */
  async repositories(registry: string): Promise<string[]> {
    return (await this.redis.smembers(this.reposKey(registry))).sort();
  }
}
