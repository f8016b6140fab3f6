import type { RedisClient } from '../state/store';

const SCAN_TTL_SECONDS = 24 * 3600;

/**
 * Tracks a fanned-out scan across replicas: the scan is complete (and the last-success time moves) when
 * every repository job of it has finished once. A retried job is counted once.
 */
export class ScanProgress {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  private key(scanId: string) {
    return `${this.prefix}:scan:${scanId}`;
  }
  get lastSuccessKey() {
    return `${this.prefix}:rescan:last-success`;
  }

  /** Records the number of repository jobs; a retried fan-out keeps the first record. */
  async start(scanId: string, repositories: number, now: number): Promise<void> {
    const key = this.key(scanId);
    const created = await this.redis.hsetnx(key, 'remaining', String(repositories));
    if (created) {
      await this.redis.hset(key, 'startedAt', String(now));
      await this.redis.expire(key, SCAN_TTL_SECONDS);
    }
    if (repositories === 0) await this.redis.set(this.lastSuccessKey, String(now / 1000));
  }

  /** Marks one repository done; returns the scan's duration in ms when this was the last one. */
  async finish(scanId: string, repository: string, now: number): Promise<number | undefined> {
    const key = this.key(scanId);
    const first = await this.redis.sadd(`${key}:done`, repository);
    await this.redis.expire(`${key}:done`, SCAN_TTL_SECONDS);
    if (!first) return undefined;
    const remaining = await this.redis.hincrby(key, 'remaining', -1);
    if (remaining !== 0) return undefined;
    await this.redis.set(this.lastSuccessKey, String(now / 1000));
    const startedAt = Number(await this.redis.hget(key, 'startedAt'));
    return Number.isFinite(startedAt) && startedAt > 0 ? now - startedAt : undefined;
  }

  /** True once every repository job of the scan has finished. */
  async isComplete(scanId: string): Promise<boolean> {
    return (await this.redis.hget(this.key(scanId), 'remaining')) === '0';
  }

  async lastSuccess(): Promise<number | undefined> {
    const v = await this.redis.get(this.lastSuccessKey);
    return v === null ? undefined : Number(v);
  }
}
