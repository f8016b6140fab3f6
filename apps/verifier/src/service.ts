import { Queue } from 'bullmq';
import type { SignetConfig } from '@signet/config';
import { createMetricsRegistry, queueDepthCollector, startOpsServer, type Logger, type MetricsRegistry } from '@signet/observability';
import { ALL_QUEUES, connectionFactory, QueueNames } from '@signet/queue';
import { closeContext, createVerifierContext, createVerifierMetrics, ScanProgress, TagStore, type VerifierContext } from '@signet/verification';
import { recheckScheduler, startWorkers } from './workers';

export interface RunningVerifier {
  port: number;
  ctx: VerifierContext;
  metrics: MetricsRegistry;
  verifyQueue: Queue;
  rescanQueue: Queue;
  close(): Promise<void>;
}

export interface StartOptions {
  logger: Logger;
  /** Override `verifier.port` (0 = any free port). */
  port?: number;
}

/** Starts one verifier replica: workers, the rescan schedule and the ops server. */
export async function startVerifier(config: SignetConfig, opts: StartOptions): Promise<RunningVerifier> {
  const verifier = config.verifier;
  if (!verifier) throw new Error('the verifier section is missing from the configuration');
  const conn = connectionFactory(config.redis, { logger: opts.logger });
  const workerConn = conn('worker');
  const stateConn = conn('worker');
  // Scrapes and readiness must answer quickly while Redis is down, so they use a fail-fast connection.
  const scrapeConn = conn('producer');
  const prefix = config.redis.prefix;

  const metrics = createMetricsRegistry('verifier');
  const progress = new ScanProgress(stateConn, prefix);
  const scrapeProgress = new ScanProgress(scrapeConn, prefix);
  const verifierMetrics = createVerifierMetrics(metrics, {
    store: new TagStore(scrapeConn, prefix),
    registries: config.registries.map((r) => r.name),
    lastRescanSuccess: () => scrapeProgress.lastSuccess(),
  });
  const queues = ALL_QUEUES.map((name) => conn.errors.watch(new Queue(name, { connection: workerConn, prefix }), `queue:${name}`));
  queueDepthCollector(metrics, queues);
  const verifyQueue = queues.find((q) => q.name === QueueNames.verify) as Queue;
  const rescanQueue = queues.find((q) => q.name === QueueNames.rescan) as Queue;

  const ctx = await createVerifierContext({ config, redis: stateConn, metrics: verifierMetrics, logger: opts.logger, scheduleRecheck: recheckScheduler(verifyQueue) });
  const workers = await startWorkers(ctx, progress, verifyQueue, rescanQueue, {
    connection: workerConn,
    prefix,
    concurrency: verifier.concurrency,
    errors: conn.errors,
    rescan: { ...(verifier.rescan.every !== undefined ? { every: verifier.rescan.every } : {}), ...(verifier.rescan.cron ? { cron: verifier.rescan.cron } : {}) },
  });
  const ops = await startOpsServer({
    port: opts.port ?? verifier.port,
    metrics,
    ready: async () => ctx.keys.defaults.keys.length > 0 && (await scrapeConn.ping()) === 'PONG',
  });
  opts.logger.info({ port: ops.port, registries: [...ctx.registries.keys()], keys: ctx.keys.fingerprints() }, 'verifier started');
  return {
    port: ops.port,
    ctx,
    metrics,
    verifyQueue,
    rescanQueue,
    async close() {
      await workers.close();
      await ops.close();
      await Promise.all(queues.map((q) => q.close()));
      await closeContext(ctx);
      await Promise.all([workerConn, stateConn, scrapeConn].map((c) => c.quit().catch(() => undefined)));
    },
  };
}
