import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import type { SignetConfig } from '@signet/config';
import { createMetricsRegistry, queueDepthCollector, type Logger } from '@signet/observability';
import { connectionFactory, defaultJobOptions, QueueNames, whenConnected } from '@signet/queue';
import { createReceiverApp } from './app';
import { PushEnqueuer } from './enqueue';
import { createReceiverMetrics } from './metrics';
import { mountDashboard } from './dashboard';

export interface RunningReceiver {
  port: number;
  url: string;
  queue: Queue;
  /** Stops accepting, finishes in-flight requests, closes Redis. */
  close(): Promise<void>;
}

/** Starts the receiver from a parsed configuration. */
export async function startReceiver(config: SignetConfig, logger: Logger, opts: { port?: number; host?: string } = {}): Promise<RunningReceiver> {
  const connect = connectionFactory(config.redis, { logger });
  const connection = connect('producer');
  connection.on('error', (err: Error) => logger.debug({ err: err.message }, 'redis connection error'));
  // The enqueuer's own connection, holding its batch script (see PushEnqueuer).
  const enqueueConnection = connect('producer');
  enqueueConnection.on('error', (err: Error) => logger.debug({ err: err.message }, 'redis connection error'));
  const queue = new Queue(QueueNames.push, { connection, prefix: config.redis.prefix, defaultJobOptions });
  queue.on('error', (err: Error) => logger.debug({ err: err.message }, 'queue error'));
  const metrics = createMetricsRegistry('webhook-receiver');
  queueDepthCollector(metrics, [queue]);
  const enqueuer = new PushEnqueuer(queue, enqueueConnection);
  const app = createReceiverApp({
    webhooks: config.webhooks,
    enqueuer,
    metrics,
    receiverMetrics: createReceiverMetrics(metrics),
    logger,
    bodyLimit: config.receiver.bodyLimit,
    ready: async () => (await Promise.all([connection.ping(), enqueueConnection.ping()])).every((r) => r === 'PONG'),
    mount: (a) => mountDashboard(a, config, connection, logger),
  });
  // Without this the first webhooks after a start would meet a connection still handshaking and get 503.
  if (!(await whenConnected(enqueueConnection, 3000))) logger.warn({}, 'redis not reachable yet; answering 503 until it is');
  const server: Server = createServer(app);
  // Keep-alive connections from registries are reused; the timeout stays above common proxy idle timeouts.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? config.receiver.port, opts.host ?? config.receiver.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  logger.info({ port, webhooks: config.webhooks.map((w) => `${w.name}:${w.source}`) }, 'webhook receiver listening');
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    queue,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await enqueuer.close();
      // BullMQ emits an unhandled error if a queue on a shared connection is closed while it is still starting
      // up; let that start finish first (bounded: with Redis down it never does).
      await Promise.race([queue.waitUntilReady().catch(() => undefined), new Promise((r) => setTimeout(r, 2000).unref())]);
      await queue.close();
      connection.disconnect();
      enqueueConnection.disconnect();
    },
  };
}
