import type { RequestListener } from 'node:http';
import type { SignetConfig } from '@signet/config';
import {
  createMetricsRegistry,
  queueDepthCollector,
  startOpsServer,
  type ErrorReporter,
  type Logger,
  type MetricsRegistry,
  type OpsServer,
} from '@signet/observability';
import { connectionFactory, openQueue, type QueueName, type RedisConnectionOptions } from '@signet/queue';
import type { Cluster, Redis } from 'ioredis';
import { ResourceStack } from './resource-stack';
import { SERVICE_NAMES, type ServiceApp, type StartOptions } from './run-service';

/** Something a service opens that emits `error` and can be closed: a BullMQ Queue, Worker or QueueEvents. */
export interface Closable {
  on(event: 'error', listener: (err: Error) => void): unknown;
  close(): Promise<unknown>;
  waitUntilReady?(): Promise<unknown>;
}

export interface OpsOptions {
  port: number;
  host?: string;
  /**
   * Readiness asks each of these to answer PING. Give fail-fast (`producer`) connections, so /readyz answers
   * at once while Redis is down.
   */
  redis: Array<Redis | Cluster>;
  /** Readiness besides Redis: what else the service needs to do its work (a loaded key, running workers). */
  ready?: () => Promise<boolean>;
  /** Answers paths other than /healthz, /readyz and /metrics (the receiver's queue dashboard). */
  fallback?: RequestListener;
}

/** What every Signet service starts from: its connections, metrics, ops listener and the stack that closes them. */
export interface ServiceRuntime {
  readonly service: string;
  readonly logger: Logger;
  /** The service's prom-client registry, with process metrics and `signet_build_info`. */
  readonly metrics: MetricsRegistry;
  /** Where every connection, queue and worker reports its errors (rate-limited). */
  readonly errors: ErrorReporter;
  /** The queues' key prefix (`redis.prefix`). */
  readonly prefix: string;
  /** A new Redis connection for `role`, closed when the runtime closes. */
  connection(role: RedisConnectionOptions['role']): Redis | Cluster;
  /**
   * Reports `resource`'s errors as `source` and closes it when the runtime closes; returns it. `quiet`: its
   * errors are only its connection's, which that connection already reports, so they are swallowed instead.
   */
  own<T extends Closable>(resource: T, source: string, opts?: { quiet?: boolean }): T;
  /** Runs `close` when the runtime closes (last registered, first closed). */
  defer(name: string, close: () => unknown): void;
  /**
   * `signet_queue_jobs` for `queues`, read at scrape time through queues of its own on `connection`: give a
   * fail-fast one, so /metrics answers while Redis is down.
   */
  reportQueueDepths(connection: Redis | Cluster, queues: QueueName[]): void;
  /** Starts the one ops listener (`/healthz`, `/readyz`, `/metrics`), closed when the runtime closes. */
  startOps(opts: OpsOptions): Promise<OpsServer>;
  /**
   * Runs a service's start. If it throws, everything opened so far is closed before the error is rethrown;
   * otherwise the result gains `close()`, which closes everything.
   */
  start<T extends object>(build: () => Promise<T>): Promise<T & { close(): Promise<void> }>;
  close(): Promise<void>;
}

export interface ServiceRuntimeOptions {
  service: string;
  config: Pick<SignetConfig, 'redis'>;
  logger: Logger;
}

const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

/**
 * QUIT lets Redis finish what was sent; with Redis down it would wait on the offline queue for ever, so it is
 * bounded and followed by a disconnect either way.
 */
async function closeConnection(connection: Redis | Cluster): Promise<void> {
  if (connection.status === 'ready') await Promise.race([connection.quit().catch(() => undefined), delay(1000)]);
  connection.disconnect();
}

export function createServiceRuntime(opts: ServiceRuntimeOptions): ServiceRuntime {
  const { logger, service } = opts;
  const stack = new ResourceStack();
  const connect = connectionFactory(opts.config.redis, { logger });
  const metrics = createMetricsRegistry(service);
  let made = 0;

  const runtime: ServiceRuntime = {
    service,
    logger,
    metrics,
    errors: connect.errors,
    prefix: opts.config.redis.prefix,
    connection(role) {
      const connection = connect(role);
      stack.defer(`redis connection ${++made} (${role})`, () => closeConnection(connection));
      return connection;
    },
    own(resource, source, ownOpts = {}) {
      if (ownOpts.quiet) resource.on('error', () => undefined);
      else connect.errors.watch(resource, source);
      stack.defer(source, async () => {
        // BullMQ emits an unhandled error when a queue on a shared connection is closed while it is still
        // starting; let that finish first (bounded: with Redis down it never does).
        if (resource.waitUntilReady) await Promise.race([resource.waitUntilReady().catch(() => undefined), delay(2000)]);
        await resource.close();
      });
      return resource;
    },
    defer(name, close) {
      stack.defer(name, close);
    },
    reportQueueDepths(connection, queues) {
      queueDepthCollector(
        metrics,
        queues.map((name) => runtime.own(openQueue(name, connection, runtime.prefix), `queue:${name}:scrape`)),
      );
    },
    async startOps({ redis, ready, ...listener }) {
      const answers = async () => (await Promise.all(redis.map((connection) => connection.ping()))).every((reply) => reply === 'PONG');
      const server = await startOpsServer({ ...listener, metrics, ready: async () => ((await ready?.()) ?? true) && (await answers()) });
      stack.defer('ops listener', () => server.close());
      return server;
    },
    async start(build) {
      try {
        const result = await build();
        return Object.assign(result, { close: () => runtime.close() });
      } catch (err) {
        await runtime.close().catch((closeErr: unknown) => logger.warn({ err: closeErr }, `${service}: closing after a failed start`));
        throw err;
      }
    },
    close: () => stack.close(),
  };
  return runtime;
}

/** A service's own section of the configuration (`config.signer` for the signer). */
export type ServiceSection<A extends ServiceApp> = NonNullable<SignetConfig[A]>;

/**
 * A service's start: its section of the configuration (a missing one fails the start), a runtime named after
 * the service, and `build` run inside it (see `ServiceRuntime.start`), so everything `build` opens is closed
 * after a failed start and by the result's `close()`.
 */
export async function withServiceRuntime<A extends ServiceApp, T extends object>(
  app: A,
  config: SignetConfig,
  opts: Pick<StartOptions, 'logger'>,
  build: (rt: ServiceRuntime, section: ServiceSection<A>) => Promise<T>,
): Promise<T & { close(): Promise<void> }> {
  const section = config[app];
  if (!section) throw new Error(`the ${app} section is missing from the configuration`);
  const rt = createServiceRuntime({ service: SERVICE_NAMES[app], config, logger: opts.logger });
  return rt.start(() => build(rt, section as ServiceSection<A>));
}
