import type { SignetConfig } from '@signet/config';
import type { MetricsRegistry } from '@signet/observability';
import { openRescanQueue, openVerifyQueue, QueueNames, type TypedQueue } from '@signet/queue';
import { withServiceRuntime, type StartOptions } from '@signet/runtime';
import {
  closeContext,
  createVerifierContext,
  createVerifierMetrics,
  ScanProgress,
  TagStore,
  type VerifierContext,
} from '@signet/verification';
import { recheckScheduler, startWorkers } from './workers';

export type { StartOptions };

export interface RunningVerifier {
  port: number;
  ctx: VerifierContext;
  metrics: MetricsRegistry;
  verifyQueue: TypedQueue<typeof QueueNames.verify>;
  rescanQueue: TypedQueue<typeof QueueNames.rescan>;
  close(): Promise<void>;
}

/**
 * Starts one verifier replica: the ops listener (ready once the workers run), the checks' context (keys,
 * registries), then the workers and the rescan schedule. A start that fails closes what it opened.
 */
export async function startVerifier(config: SignetConfig, opts: StartOptions): Promise<RunningVerifier> {
  return withServiceRuntime('verifier', config, opts, async (rt, verifier) => {
    const workerConn = rt.connection('worker');
    const stateConn = rt.connection('worker');
    // Scrapes and readiness must answer quickly while Redis is down, so they use a fail-fast connection.
    const scrapeConn = rt.connection('producer');
    const { prefix } = rt;

    const progress = new ScanProgress(stateConn, prefix);
    const scrapeProgress = new ScanProgress(scrapeConn, prefix);
    const verifierMetrics = createVerifierMetrics(rt.metrics, {
      store: new TagStore(scrapeConn, prefix),
      registries: config.registries.map((r) => r.name),
      lastRescanSuccess: () => scrapeProgress.lastSuccess(),
    });
    const verifyQueue = rt.own(openVerifyQueue(workerConn, prefix), `queue:${QueueNames.verify}`);
    const rescanQueue = rt.own(openRescanQueue(workerConn, prefix), `queue:${QueueNames.rescan}`);
    rt.reportQueueDepths(scrapeConn, [QueueNames.push, QueueNames.verify, QueueNames.rescan]);

    // The ops listener comes before the workers: a port already taken then fails the start before any worker
    // exists (BullMQ reports a worker closed while still connecting as an unhandled error).
    let running: VerifierContext | undefined = undefined;
    const ops = await rt.startOps({
      port: opts.port ?? verifier.port,
      redis: [scrapeConn],
      ready: async () => running !== undefined && running.keys.defaults.keys.length > 0,
    });
    const ctx = await createVerifierContext({
      config,
      redis: stateConn,
      metrics: verifierMetrics,
      logger: rt.logger,
      scheduleRecheck: recheckScheduler(verifyQueue),
    });
    rt.defer('verifier context', () => closeContext(ctx));
    const workers = await startWorkers(ctx, progress, verifyQueue, rescanQueue, {
      connection: workerConn,
      prefix,
      concurrency: verifier.concurrency,
      errors: rt.errors,
      rescan: {
        ...(verifier.rescan.every !== undefined ? { every: verifier.rescan.every } : {}),
        ...(verifier.rescan.cron ? { cron: verifier.rescan.cron } : {}),
      },
    });
    rt.defer('workers', () => workers.close());
    running = ctx;
    rt.logger.info({ port: ops.port, registries: [...ctx.registries.keys()], keys: ctx.keys.fingerprints() }, 'verifier started');
    return { port: ops.port, ctx, metrics: rt.metrics, verifyQueue, rescanQueue };
  });
}
