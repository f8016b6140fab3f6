import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';

export interface RedisBudgetOptions {
  /** Registry name (config key), part of the bucket key. */
  registry: string;
  /** Credential the limit belongs to (registries limit per account); `anonymous` when none. */
  user?: string;
  /** Sustained requests per second. */
  ratePerSecond: number;
  /** Requests allowed at once after an idle period. */
  burst: number;
  /** Key prefix; the hash tag keeps every key on one Redis Cluster slot. */
  prefix?: string;
}

/*
 * A token bucket that lets the balance go negative: each caller reserves its token at once and sleeps until
 * the slot it reserved, so one round trip per request and callers are served in arrival order. A pause
 * (Retry-After) is a timestamp every caller waits for before reserving. Time comes from the Redis server so
 * replicas with skewed clocks share one schedule.
 * Returns { wait ms, 1 if a token was reserved else 0 }.
 */
const SCRIPT = `
local key = KEYS[1]
local op = ARGV[1]
local rate = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local arg = tonumber(ARGV[4])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local s = redis.call('HMGET', key, 'tokens', 'ts', 'paused')
local tokens = tonumber(s[1]) or burst
local ts = tonumber(s[2]) or now
local paused = tonumber(s[3]) or 0
if now > ts then tokens = math.min(burst, tokens + (now - ts) * rate / 1000) end
local wait = 0
local reserved = 0
if op == 'take' then
  if paused > now then
    wait = paused - now
  else
    tokens = tokens - 1
    reserved = 1
    if tokens < 0 then wait = math.ceil(-tokens * 1000 / rate) end
  end
elseif op == 'drain' then
  if tokens > 0 then tokens = 0 end
elseif op == 'pause' then
  if now + arg > paused then paused = now + arg end
  if tokens > 0 then tokens = 0 end
end
redis.call('HSET', key, 'tokens', tostring(tokens), 'ts', tostring(now), 'paused', tostring(paused))
local idle = math.ceil((burst - tokens) * 1000 / rate)
if paused > now then idle = idle + paused - now end
redis.call('PEXPIRE', key, idle + 1000)
return { wait, reserved }
`;
const SHA = createHash('sha1').update(SCRIPT).digest('hex');

/**
 * A request budget shared by every replica through one Redis hash per registry and credential. It has the
 * shape of the registry client's `RequestBudget` (acquire, drain, pauseFor) without this package knowing the
 * client.
 */
export class RedisRequestBudget {
  readonly key: string;

  constructor(
    private readonly redis: Redis | Cluster,
    private readonly opts: RedisBudgetOptions,
  ) {
    if (!(opts.ratePerSecond > 0) || !(opts.burst >= 1)) throw new RangeError('budget needs ratePerSecond > 0 and burst >= 1');
    this.key = `${opts.prefix ?? '{signet}'}:budget:${opts.registry}:${opts.user ?? 'anonymous'}`;
  }

  async acquire(): Promise<void> {
    for (;;) {
      const [wait, reserved] = await this.run('take', 0);
      if (wait > 0) await sleep(wait);
      if (reserved === 1) return;
    }
  }

  async drain(): Promise<void> {
    await this.run('drain', 0);
  }

  async pauseFor(ms: number): Promise<void> {
    await this.run('pause', Math.max(0, Math.round(ms)));
  }

  private async run(op: string, arg: number): Promise<[number, number]> {
    const args = [this.key, op, String(this.opts.ratePerSecond), String(this.opts.burst), String(arg)];
    let out: unknown;
    try {
      out = await this.redis.evalsha(SHA, 1, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.includes('NOSCRIPT')) throw err;
      out = await this.redis.eval(SCRIPT, 1, ...args);
    }
    const [wait, reserved] = out as [number, number];
    return [Number(wait), Number(reserved)];
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** What a configured registry says about its rate limit (a `RegistryConfig` has this shape). */
export interface RateLimitedRegistry {
  name: string;
  username?: string;
  rateLimit?: { perSecond: number; burst?: number };
}

/**
 * The budget for each configured registry that has a `rateLimit`, shared through `redis` by every replica;
 * `undefined` for a registry without one. `prefix` is the BullMQ prefix, so the key shares its hash tag.
 */
export function redisRequestBudgets(
  redis: Redis | Cluster,
  prefix?: string,
): (registry: RateLimitedRegistry) => RedisRequestBudget | undefined {
  return (r) =>
    r.rateLimit
      ? new RedisRequestBudget(redis, {
          registry: r.name,
          ...(r.username ? { user: r.username } : {}),
          ratePerSecond: r.rateLimit.perSecond,
          burst: r.rateLimit.burst ?? Math.max(1, Math.ceil(r.rateLimit.perSecond)),
          ...(prefix ? { prefix } : {}),
        })
      : undefined;
}
