import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { DefaultJobOptions } from 'bullmq';

export interface RedisConnectionOptions {
  url: string;
  /** Redis Cluster seed URLs; when given, a Cluster connection is made. */
  cluster?: string[];
  /**
   * `worker`: blocking commands, retry forever (BullMQ requires maxRetriesPerRequest null).
   * `producer`: fail fast while Redis is down so the HTTP layer can answer 503 at once.
   * `oneshot`: a command-line run: waits for the connection, gives up after a few attempts.
   */
  role: 'worker' | 'producer' | 'oneshot';
}

const ROLES: Record<RedisConnectionOptions['role'], { node: RedisOptions; offlineQueue: boolean; retry: (times: number) => number | null }> = {
  worker: { node: { maxRetriesPerRequest: null, enableReadyCheck: true }, offlineQueue: true, retry: (times) => Math.min(200 * times, 2000) },
  producer: {
    node: { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000, commandTimeout: 5000 },
    offlineQueue: false,
    retry: (times) => Math.min(200 * times, 2000),
  },
  oneshot: { node: { maxRetriesPerRequest: 1, connectTimeout: 3000 }, offlineQueue: true, retry: (times) => (times > 2 ? null : 200) },
};

/**
 * Cluster seeds as ioredis startup nodes. Every node is reached with the first seed's credentials and TLS
 * setting (ioredis applies one set of node options to the nodes it discovers).
 */
function clusterSeeds(seeds: string[]): { nodes: Array<{ host: string; port: number }>; auth: RedisOptions } {
  const urls = seeds.map((u) => new URL(u));
  const first = urls[0]!;
  const auth: RedisOptions = {
    ...(first.username ? { username: decodeURIComponent(first.username) } : {}),
    ...(first.password ? { password: decodeURIComponent(first.password) } : {}),
    ...(first.protocol === 'rediss:' ? { tls: {} } : {}),
  };
  return { nodes: urls.map((url) => ({ host: url.hostname, port: Number(url.port || 6379) })), auth };
}

/** The ioredis connection BullMQ needs, for a worker, a producer or a one-shot command. */
export function createRedisConnection(opts: RedisConnectionOptions): Redis | Cluster {
  const role = ROLES[opts.role];
  if (opts.cluster?.length) {
    const { nodes, auth } = clusterSeeds(opts.cluster);
    const options: ClusterOptions = {
      redisOptions: { ...role.node, ...auth },
      clusterRetryStrategy: role.retry,
      // The node option alone does not stop the Cluster from queueing commands in memory while it is down.
      enableOfflineQueue: role.offlineQueue,
    };
    return new Cluster(nodes, options);
  }
  return new Redis(opts.url, { ...role.node, retryStrategy: role.retry });
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

/**
 * Resolves true once the connection is ready, false after `timeoutMs`. A producer connection refuses commands
 * until then (no offline queue), so a service waits here, bounded, before it takes traffic; with Redis down it
 * starts anyway and reports not-ready.
 */
export function whenConnected(connection: Redis | Cluster, timeoutMs: number): Promise<boolean> {
  if (connection.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      connection.off('ready', onReady);
      resolve(ok);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), timeoutMs);
    timer.unref();
    connection.on('ready', onReady);
  });
}
