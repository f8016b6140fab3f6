import { readFileSync } from 'node:fs';
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { DefaultJobOptions } from 'bullmq';
import { SignetError } from '@signet/errors';
import { createErrorReporter, type ErrorReporter } from '@signet/observability';

/** TLS settings for `rediss://` URLs: a private CA, and a client certificate where Redis asks for one. */
export interface RedisTlsSettings {
  /** PEM bundle of the CA(s) that issued Redis's certificate, instead of the system's public roots. */
  caFile?: string;
  /** Client certificate and key (PEM), for a Redis with `tls-auth-clients yes`. */
  certFile?: string;
  keyFile?: string;
  /** Name checked against Redis's certificate when it differs from the URL's host (and sent as SNI). */
  servername?: string;
}

/** A service's Redis settings, as `redis` in the configuration. */
export interface RedisSettings {
  url: string;
  cluster?: string[];
  tls?: RedisTlsSettings;
}

/** Where a connection reports what the operator must know (a pino logger fits). */
export interface ConnectionLogger {
  warn(fields: Record<string, unknown>, message: string): void;
  info?(fields: Record<string, unknown>, message: string): void;
}

/** A TLS file that cannot be read: the service stops at start rather than retrying a connection forever. */
export class RedisTlsFileError extends SignetError<'REDIS_TLS_FILE_UNREADABLE'> {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('REDIS_TLS_FILE_UNREADABLE', message, options);
  }
}

export interface RedisConnectionOptions {
  url: string;
  /** Redis Cluster seed URLs; when given, a Cluster connection is made. */
  cluster?: string[];
  /** Applied to `rediss://` connections only. */
  tls?: RedisTlsSettings;
  /**
   * `worker`: blocking commands, retry forever (BullMQ requires maxRetriesPerRequest null).
   * `producer`: fail fast while Redis is down so the HTTP layer can answer 503 at once.
   * `oneshot`: a command-line run: waits for the connection, gives up after a few attempts.
   */
  role: 'worker' | 'producer' | 'oneshot';
}

const ROLES: Record<
  RedisConnectionOptions['role'],
  { node: RedisOptions; offlineQueue: boolean; retry: (times: number) => number | null }
> = {
  worker: {
    node: { maxRetriesPerRequest: null, enableReadyCheck: true },
    offlineQueue: true,
    retry: (times) => Math.min(200 * times, 2000),
  },
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
function clusterSeeds(
  seeds: string[],
  tls: TlsConnectionOptions | undefined,
): { nodes: Array<{ host: string; port: number }>; auth: RedisOptions } {
  const urls = seeds.map((u) => new URL(u));
  const first = urls[0]!;
  const auth: RedisOptions = {
    ...(first.username ? { username: decodeURIComponent(first.username) } : {}),
    ...(first.password ? { password: decodeURIComponent(first.password) } : {}),
    ...(first.protocol === 'rediss:' ? { tls: tls ?? {} } : {}),
  };
  return { nodes: urls.map((url) => ({ host: url.hostname, port: Number(url.port || 6379) })), auth };
}

function readTlsFile(path: string, key: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new RedisTlsFileError(`redis.tls.${key} ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Node's TLS options for the settings, read once per connection made (a renewed CA file is picked up by the next
 * service start). Without `caFile` Node's public roots apply, which a private CA's certificate fails.
 */
function tlsOptions(settings: RedisTlsSettings | undefined): TlsConnectionOptions | undefined {
  if (!settings) return undefined;
  return {
    ...(settings.caFile ? { ca: readTlsFile(settings.caFile, 'caFile') } : {}),
    ...(settings.certFile ? { cert: readTlsFile(settings.certFile, 'certFile') } : {}),
    ...(settings.keyFile ? { key: readTlsFile(settings.keyFile, 'keyFile') } : {}),
    ...(settings.servername ? { servername: settings.servername } : {}),
  };
}

/** The ioredis connection BullMQ needs, for a worker, a producer or a one-shot command. */
export function createRedisConnection(opts: RedisConnectionOptions): Redis | Cluster {
  const role = ROLES[opts.role];
  const tls = tlsOptions(opts.tls);
  if (opts.cluster?.length) {
    const { nodes, auth } = clusterSeeds(opts.cluster, tls);
    const options: ClusterOptions = {
      redisOptions: { ...role.node, ...auth },
      clusterRetryStrategy: role.retry,
      // The node option alone does not stop the Cluster from queueing commands in memory while it is down.
      enableOfflineQueue: role.offlineQueue,
    };
    return new Cluster(nodes, options);
  }
  // ioredis turns TLS on for a rediss:// URL; the options only say how. A redis:// URL stays plain text.
  const secure = opts.url.startsWith('rediss://') && tls ? { tls } : {};
  return new Redis(opts.url, { ...role.node, retryStrategy: role.retry, ...secure });
}

/** `maxmemory_policy` as Redis reports it in `INFO memory` (readable on managed services that rename CONFIG). */
async function evictionPolicies(connection: Redis | Cluster): Promise<string[]> {
  const nodes = connection instanceof Cluster ? connection.nodes('master') : [connection];
  const infos = await Promise.all(nodes.map((node) => node.info('memory')));
  return infos.map((info) => /^maxmemory_policy:(\S+)/m.exec(info)?.[1] ?? 'unknown');
}

/**
 * Warns once, as one structured line, when Redis may evict keys. Every key Signet keeps is state that must not
 * vanish: a queued webhook, a job id that dedupes a redelivery, a tag's last digest, a signing lock. Under
 * memory pressure any policy but `noeviction` deletes some of them silently; with `noeviction` writes fail
 * loudly instead (the receiver answers 503 and the registry retries).
 */
export async function warnUnlessNoEviction(connection: Redis | Cluster, logger: ConnectionLogger): Promise<void> {
  let policies: string[];
  try {
    policies = await evictionPolicies(connection);
  } catch (err) {
    logger.warn(
      { code: 'REDIS_EVICTION_POLICY_UNKNOWN', err: (err as Error).message },
      'could not read Redis maxmemory-policy (INFO memory); Signet needs noeviction or it may lose queued jobs and tag state',
    );
    return;
  }
  const evicting = [...new Set(policies.filter((p) => p !== 'noeviction'))];
  if (evicting.length === 0) return;
  logger.warn(
    { code: 'REDIS_EVICTION_POLICY', maxmemoryPolicy: evicting.join(','), required: 'noeviction' },
    `Redis maxmemory-policy is ${evicting.join(', ')}, not noeviction: under memory pressure Redis deletes keys, ` +
      'so queued webhooks, job ids, tag state and locks can vanish without an error; set maxmemory-policy noeviction',
  );
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

/** `(role) => connection`, and the reporter its connections' errors go to (give it the service's queues and workers too). */
export type ConnectionFactory = ((role: RedisConnectionOptions['role']) => Redis | Cluster) & { readonly errors: ErrorReporter };

/**
 * Stands in where nobody logs (a command-line run): the command that needed Redis fails and says why, and the
 * listener keeps ioredis from printing "[ioredis] Unhandled error event" on every retry.
 */
const unreported: ErrorReporter = {
  error: () => undefined,
  recovered: () => undefined,
  watch: (emitter) => {
    emitter.on('error', () => undefined);
    return emitter;
  },
};

/**
 * `(role) => connection` for a service's Redis settings (URL or Cluster seeds, TLS). Given a logger, the first
 * connection checks Redis's eviction policy once it is ready (see warnUnlessNoEviction): once per service start.
 * Every connection's errors go to one rate-limited reporter (`errors`, else one made from the logger), which
 * also learns from `ready` when the connection is back.
 */
export function connectionFactory(
  redis: RedisSettings,
  opts: { logger?: ConnectionLogger; errors?: ErrorReporter } = {},
): ConnectionFactory {
  let checked = opts.logger === undefined;
  const { logger } = opts;
  const errors =
    opts.errors ??
    (logger
      ? createErrorReporter({ warn: (f, m) => logger.warn(f, m), info: (f, m) => (logger.info ?? logger.warn).call(logger, f, m) })
      : unreported);
  const made: Record<string, number> = {};
  const connect = (role: RedisConnectionOptions['role']) => {
    const connection = createRedisConnection({
      url: redis.url,
      ...(redis.cluster ? { cluster: redis.cluster } : {}),
      ...(redis.tls ? { tls: redis.tls } : {}),
      role,
    });
    made[role] = (made[role] ?? 0) + 1;
    errors.watch(connection, `redis:${role}:${made[role]}`, { readyEvent: 'ready' });
    if (!checked && logger) {
      checked = true;
      connection.once('ready', () => void warnUnlessNoEviction(connection, logger));
    }
    return connection;
  };
  return Object.assign(connect, { errors });
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
