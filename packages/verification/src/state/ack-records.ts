import type { RedisClient, TagRef } from './tag-state-store';

/** Who acknowledged a tag's violation, when and why: the audit trail `signet status` shows beside the tag. */
export interface AckRecord {
  /** The digest the tag pointed to when it was acknowledged (the acknowledgement holds while it still does). */
  digest?: string;
  /** Digests of earlier violations (flash overwrites) whose traces the acknowledgement cleared. */
  traces: string[];
  /** The OS user who ran `signet ack`, or its `--by`: what the operator says, not an authenticated identity. */
  by: string;
  /** ISO 8601. */
  at: string;
  reason?: string;
}

/** How many acknowledgements of one tag are kept, newest first. */
export const ACK_HISTORY = 20;

/**
 * Prepends a record to the tag's list and trims it, in one step, so two operators acknowledging at once both
 * stay on record. KEYS: acks hash. ARGV: field, record (JSON), history length.
 */
const PUSH_ACK = `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
local list = {}
if cur then list = cjson.decode(cur) end
table.insert(list, 1, cjson.decode(ARGV[2]))
while #list > tonumber(ARGV[3]) do table.remove(list) end
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(list))
return #list
`;

interface PushAckCommand {
  signetPushAck(key: string, field: string, record: string, limit: number): Promise<number>;
}

const fieldOf = (ref: TagRef) => JSON.stringify([ref.registry, ref.repository, ref.tag]);

function parseRecords(raw: string | null | undefined): AckRecord[] {
  if (!raw) return [];
  try {
    const list = JSON.parse(raw) as unknown;
    // cjson writes an empty `traces` array as `{}`.
    return Array.isArray(list) ? list.map((r: AckRecord) => ({ ...r, traces: Array.isArray(r.traces) ? r.traces : [] })) : [];
  } catch {
    return [];
  }
}

/** Acknowledgement records in one Redis hash (`<prefix>:acks`), a field per tag, beside the tag state. */
export class AckRecords {
  constructor(
    readonly redis: RedisClient,
    readonly prefix: string,
  ) {
    if (!(redis as unknown as Partial<PushAckCommand>).signetPushAck)
      redis.defineCommand('signetPushAck', { numberOfKeys: 1, lua: PUSH_ACK });
  }

  get key(): string {
    return `${this.prefix}:acks`;
  }

  async record(ref: TagRef, record: AckRecord): Promise<void> {
    await (this.redis as unknown as PushAckCommand).signetPushAck(this.key, fieldOf(ref), JSON.stringify(record), ACK_HISTORY);
  }

  /** The tag's acknowledgements, newest first. */
  async history(ref: TagRef): Promise<AckRecord[]> {
    return parseRecords(await this.redis.hget(this.key, fieldOf(ref)));
  }

  /** The newest acknowledgement of every tag that has one. */
  async latest(): Promise<Array<TagRef & { record: AckRecord }>> {
    const all = await this.redis.hgetall(this.key);
    return Object.entries(all).flatMap(([field, raw]) => {
      const [registry, repository, tag] = JSON.parse(field) as string[];
      const record = parseRecords(raw)[0];
      return registry && repository && tag && record ? [{ registry, repository, tag, record }] : [];
    });
  }
}
