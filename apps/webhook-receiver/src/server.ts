import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import type { SignetConfig } from '@signet/config';
import { createMetricsRegistry, queueDepthCollector, type Logger } from '@signet/observability';
import { connectionFactory, defaultJobOptions, QueueNames, whenConnected } from '@signet/queue';
import { createReceiverApp } from './app';
import { PushEnqueuer } from './enqueue';
import { createReceiverMetrics } from './metrics';
import { createAdminApp, dashboardOnAdminListener, dashboardOnWebhookListener, mountDashboard } from './dashboard';

export interface RunningReceiver {
  port: number;
  url: string;
  queue: Queue;
  /** The admin listener (the queue dashboard), when the dashboard is on and has a listener of its own. */
  admin?: { port: number; url: string };
  /** Stops accepting, finishes in-flight requests, closes Redis. */
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

function closeServer(server: Server | undefined): Promise<void> {
  return new Promise<void>((resolve) => {
    if (!server?.listening) return resolve();
    server.close(() => resolve());
    server.closeIdleConnections();
  });
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
    mount: dashboardOnWebhookListener(config) ? (a) => mountDashboard(a, config, connection, logger) : undefined,
  });
  // Without this the first webhooks after a start would meet a connection still handshaking and get 503.
  if (!(await whenConnected(enqueueConnection, 3000))) logger.warn({}, 'redis not reachable yet; answering 503 until it is');
  const server: Server = createServer(app);
  // Keep-alive connections from registries are reused; the timeout stays above common proxy idle timeouts.
  server.keepAliveTimeout = 65_000;
  const port = await listen(server, opts.port ?? config.receiver.port, opts.host ?? config.receiver.host);
  // The dashboard reads every queue: it listens apart from the webhooks, on loopback unless configured otherwise.
  let adminServer: Server | undefined;
  let admin: RunningReceiver['admin'];
  if (dashboardOnAdminListener(config)) {
    adminServer = createServer(createAdminApp(config, connection, logger));
    try {
      const adminPort = await listen(adminServer, config.receiver.admin.port, config.receiver.admin.host);
      admin = { port: adminPort, url: `http://127.0.0.1:${adminPort}` };
    } catch (e) {
      await closeServer(server);
      throw e;
    }
  }
  logger.info({ port, adminPort: admin?.port, webhooks: config.webhooks.map((w) => `${w.name}:${w.source}`) }, 'webhook receiver listening');
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    queue,
    admin,
    async close() {
      await Promise.all([closeServer(server), closeServer(adminServer)]);
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
