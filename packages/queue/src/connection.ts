import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { DefaultJobOptions } from 'bullmq';

export interface RedisConnectionOptions {
  url: string;
  /** Redis Cluster seed URLs; when given, a Cluster connection is made. */
  cluster?: string[];
  /**
   * `worker`: blocking commands, retry forever (BullMQ requires maxRetriesPerRequest null).
   * `producer`: fail fast while Redis is down so the HTTP layer can answer 503 at once.
   */
  role: 'worker' | 'producer';
}

/** The ioredis connection BullMQ needs, for a worker or for a producer. */
export function createRedisConnection(opts: RedisConnectionOptions): Redis | Cluster {
  const common: RedisOptions =
    opts.role === 'worker'
      ? { maxRetriesPerRequest: null, enableReadyCheck: true }
      : { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000, commandTimeout: 5000 };
  const retryStrategy = (times: number) => Math.min(200 * times, 2000);
  if (opts.cluster?.length) {
    return new Cluster(
      opts.cluster.map((u) => {
        const url = new URL(u);
        return { host: url.hostname, port: Number(url.port || 6379) };
      }),
      { redisOptions: common, clusterRetryStrategy: retryStrategy },
    );
  }
  return new Redis(opts.url, { ...common, retryStrategy });
}

/**
 * Default job options. Completed jobs are kept (bounded) because their ids are what dedupes a redelivered
 * webhook; failed jobs are kept longer so they stay visible.
 */
export const defaultJobOptions: DefaultJobOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { count: 20_000, age: 24 * 3600 },
  removeOnFail: { count: 50_000, age: 14 * 24 * 3600 },
};

/** `(role) => connection` for a service's Redis settings (URL or Cluster seeds). */
export function connectionFactory(redis: { url: string; cluster?: string[] }): (role: RedisConnectionOptions['role']) => Redis | Cluster {
  return (role) => createRedisConnection({ url: redis.url, ...(redis.cluster ? { cluster: redis.cluster } : {}), role });
}
