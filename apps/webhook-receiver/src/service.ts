import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SignetConfig } from '@signet/config';
import { queueDepthCollector } from '@signet/observability';
import { ALL_QUEUES, defaultJobOptions, openPushQueue, openQueue, QueueNames, whenConnected, type TypedQueue } from '@signet/queue';
import { withServiceRuntime, type ServiceRuntime, type StartOptions } from '@signet/runtime';
import type { Cluster, Redis } from 'ioredis';
import { createReceiverApp } from './app';
import { createOpsFallbackApp } from './dashboard';
import { PushEnqueuer } from './enqueue';
import { createReceiverMetrics } from './metrics';

export type { StartOptions };

export interface RunningReceiver {
  port: number;
  url: string;
  queue: TypedQueue<typeof QueueNames.push>;
  /** The ops listener: `/metrics`, `/healthz`, `/readyz`, and the queue dashboard when it is on. */
  ops: { port: number; url: string };
  /** Stops accepting, finishes in-flight requests, closes the queues and Redis. */
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

/** The public webhook listener, closed (in-flight requests finish) when the runtime closes. */
async function startWebhookListener(
  rt: ServiceRuntime,
  app: ReturnType<typeof createReceiverApp>,
  port: number,
  host: string,
): Promise<number> {
  const server: Server = createServer(app);
  // Keep-alive connections from registries are reused; the timeout stays above common proxy idle timeouts.
  server.keepAliveTimeout = 65_000;
  const listening = await listen(server, port, host);
  rt.defer('webhook listener', () => closeServer(server));
  return listening;
}

/** The dashboard's own view of every queue, on the service's connection; closed with the service. */
function dashboardQueues(rt: ServiceRuntime, connection: Redis | Cluster) {
  // Their errors are the connection's, which its own reporter already logs.
  return () => ALL_QUEUES.map((name) => rt.own(openQueue(name, connection, rt.prefix), `dashboard:${name}`, { quiet: true }));
}

/** Starts the receiver from a parsed configuration. A start that fails closes what it opened. */
export async function startReceiver(config: SignetConfig, opts: StartOptions): Promise<RunningReceiver> {
  return withServiceRuntime('receiver', config, opts, async (rt, receiver) => {
    const { logger } = rt;
    const connection = rt.connection('producer');
    // The enqueuer's own connection, holding its batch script (see PushEnqueuer).
    const enqueueConnection = rt.connection('producer');
    const queue = rt.own(openPushQueue(connection, rt.prefix, { defaultJobOptions }), `queue:${QueueNames.push}`);
    queueDepthCollector(rt.metrics, [queue]);
    const enqueuer = new PushEnqueuer(queue, enqueueConnection);
    rt.defer('enqueuer', () => enqueuer.close());
    const app = createReceiverApp({
      webhooks: config.webhooks,
      enqueuer,
      receiverMetrics: createReceiverMetrics(rt.metrics),
      logger,
      bodyLimit: receiver.bodyLimit,
    });
    // Without this the first webhooks after a start would meet a connection still handshaking and get 503.
    if (!(await whenConnected(enqueueConnection, 3000))) logger.warn({}, 'redis not reachable yet; answering 503 until it is');
    const port = await startWebhookListener(rt, app, opts.port ?? receiver.port, receiver.host);
    // Probes, scrapes and the dashboard listen apart from the webhooks, as the signer's and verifier's do.
    const ops = await rt.startOps({
      port: receiver.ops.port,
      host: receiver.ops.host,
      redis: [connection, enqueueConnection],
      fallback: createOpsFallbackApp(config, dashboardQueues(rt, connection), logger),
    });
    logger.info({ port, opsPort: ops.port, webhooks: config.webhooks.map((w) => `${w.name}:${w.source}`) }, 'webhook receiver listening');
    return { port, url: `http://127.0.0.1:${port}`, queue, ops: { port: ops.port, url: `http://127.0.0.1:${ops.port}` } };
  });
}
