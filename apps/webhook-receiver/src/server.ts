import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import type { SignetConfig } from '@signet/config';
import { createMetricsRegistry, queueDepthCollector, startOpsServer, type Logger, type OpsServer } from '@signet/observability';
import { connectionFactory, defaultJobOptions, QueueNames, whenConnected } from '@signet/queue';
import { createReceiverApp } from './app';
import { PushEnqueuer } from './enqueue';
import { createReceiverMetrics } from './metrics';
import { createOpsFallbackApp } from './dashboard';

export interface RunningReceiver {
  port: number;
  url: string;
  queue: Queue;
  /** The ops listener: `/metrics`, `/healthz`, `/readyz`, and the queue dashboard when it is on. */
  ops: { port: number; url: string };
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
export async function startReceiver(config: SignetConfig, logger: Logger): Promise<RunningReceiver> {
  const connect = connectionFactory(config.redis, { logger });
  const connection = connect('producer');
  // The enqueuer's own connection, holding its batch script (see PushEnqueuer).
  const enqueueConnection = connect('producer');
  const queue = new Queue(QueueNames.push, { connection, prefix: config.redis.prefix, defaultJobOptions });
  // Connection errors are reported once per kind, rate-limited, by the reporter every connection has.
  connect.errors.watch(queue, `queue:${QueueNames.push}`);
  const metrics = createMetricsRegistry('webhook-receiver');
  queueDepthCollector(metrics, [queue]);
  const enqueuer = new PushEnqueuer(queue, enqueueConnection);
  const app = createReceiverApp({
    webhooks: config.webhooks,
    enqueuer,
    receiverMetrics: createReceiverMetrics(metrics),
    logger,
    bodyLimit: config.receiver.bodyLimit,
  });
  // Without this the first webhooks after a start would meet a connection still handshaking and get 503.
  if (!(await whenConnected(enqueueConnection, 3000))) logger.warn({}, 'redis not reachable yet; answering 503 until it is');
  const server: Server = createServer(app);
  // Keep-alive connections from registries are reused; the timeout stays above common proxy idle timeouts.
  server.keepAliveTimeout = 65_000;
  const port = await listen(server, config.receiver.port, config.receiver.host);
  // Probes, scrapes and the dashboard listen apart from the webhooks, as the signer's and verifier's do.
  let ops: OpsServer;
  try {
    ops = await startOpsServer({
      port: config.receiver.ops.port,
      host: config.receiver.ops.host,
      metrics,
      ready: async () => (await Promise.all([connection.ping(), enqueueConnection.ping()])).every((r) => r === 'PONG'),
      fallback: createOpsFallbackApp(config, connection, logger),
    });
  } catch (e) {
    await closeServer(server);
    throw e;
  }
  logger.info({ port, opsPort: ops.port, webhooks: config.webhooks.map((w) => `${w.name}:${w.source}`) }, 'webhook receiver listening');
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    queue,
    ops: { port: ops.port, url: `http://127.0.0.1:${ops.port}` },
    async close() {
      await Promise.all([closeServer(server), ops.close()]);
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
