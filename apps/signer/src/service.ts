import { Queue, Worker } from 'bullmq';
import type { SignetConfig } from '@signet/config';
import { keyProviderFromRef, loadPublicKeys, type PublicKeySet, type SigningKey } from '@signet/crypto';
import { createMetricsRegistry, queueDepthCollector, startOpsServer, type Logger, type MetricsRegistry } from '@signet/observability';
import { connectionFactory, defaultJobOptions, QueueNames } from '@signet/queue';
import type { Redis } from 'ioredis';
import { DigestLock } from '@signet/queue';
import { createSignerMetrics } from './metrics';
import { processPush, type SignerDeps } from './process-push';
import { signerRegistries } from './registries';
import { TrustPolicy } from './trust';

export interface RunningSigner {
  port: number;
  metrics: MetricsRegistry;
  key: SigningKey;
  worker: Worker;
  close(): Promise<void>;
}

export interface StartOptions {
  logger: Logger;
  /** Override `signer.port` (0 = any free port). */
  port?: number;
  /** Environment for `env://` key references (config is the only other input). */
  env?: Readonly<Record<string, string | undefined>>;
}

async function loadSigningKey(config: NonNullable<SignetConfig['signer']>, env: Readonly<Record<string, string | undefined>>): Promise<SigningKey> {
  const ref = config.key?.provider ?? config.key?.path;
  if (!ref) throw new Error('signer.key needs a path or a provider');
  const password = config.key?.password;
  const provider = keyProviderFromRef(ref, {
    env,
    password: () => {
      if (!password) throw new Error(`${ref} is encrypted: set signer.key.passwordEnv or passwordFile`);
      return password.reveal();
    },
  });
  return provider.load();
}

/**
 * Starts one signer replica: the ops server first (not ready until the key is decrypted and Redis answers),
 * then the key, then the `signet.push` worker.
 */
export async function startSigner(config: SignetConfig, opts: StartOptions): Promise<RunningSigner> {
  const signer = config.signer;
  if (!signer) throw new Error('the signer section is missing from the configuration');
  const conn = connectionFactory(config.redis, { logger: opts.logger });
  const workerConn = conn('worker');
  const stateConn = conn('worker');
  const scrapeConn = conn('producer');
  const prefix = config.redis.prefix;

  const metrics = createMetricsRegistry('signer');
  const signerMetrics = createSignerMetrics(metrics, config.registries.map((r) => r.name));
  const verifyQueue = conn.errors.watch(new Queue(QueueNames.verify, { connection: stateConn, prefix }), `queue:${QueueNames.verify}`);
  const depthQueues = [QueueNames.push, QueueNames.verify].map((name) => conn.errors.watch(new Queue(name, { connection: scrapeConn, prefix }), `queue:${name}:scrape`));
  queueDepthCollector(metrics, depthQueues);

  let key: SigningKey | undefined;
  const ops = await startOpsServer({
    port: opts.port ?? signer.port,
    metrics,
    ready: async () => key !== undefined && (await scrapeConn.ping()) === 'PONG',
  });
  const closeConnections = () => Promise.all([workerConn, stateConn, scrapeConn].map((c) => c.quit().catch(() => undefined)));
  let previous: PublicKeySet;
  try {
    [key, previous] = await Promise.all([loadSigningKey(signer, opts.env ?? {}), loadPublicKeys(signer.previousKeys)]);
  } catch (err) {
    await ops.close();
    await Promise.all([verifyQueue, ...depthQueues].map((q) => q.close()));
    await closeConnections();
    throw err;
  }
  signerMetrics.keyInfo.labels(key.fingerprint.sha256).set(1);

  const registries = signerRegistries(config.registries, { redis: stateConn as Redis, prefix, layout: signer.layout });
  const deps: SignerDeps = {
    registries,
    key,
    previousKeys: previous.keys.map((k) => k.key),
    trust: new TrustPolicy(signer.trust),
    identity: signer.identity,
    annotations: signer.annotations,
    recursive: signer.recursive,
    layout: signer.layout,
    lock: new DigestLock(stateConn, { prefix, ttlMs: signer.digestLockTtl }),
    enqueueVerify: async (jobId, data) => {
      await verifyQueue.add('verify', data, { ...defaultJobOptions, jobId });
    },
    metrics: signerMetrics,
    logger: opts.logger,
  };
  const worker = new Worker(
    QueueNames.push,
    (job) => processPush(deps, { id: job.id, data: job.data, attemptsMade: job.attemptsMade, maxAttempts: job.opts.attempts ?? 1 }),
    {
      connection: workerConn,
      prefix,
      concurrency: signer.concurrency,
      lockDuration: signer.lockDuration,
      stalledInterval: signer.stalledInterval,
      ...(signer.limiter ? { limiter: signer.limiter } : {}),
    },
  );
  // The worker's own blocking connection reports here too, rate-limited with the others.
  conn.errors.watch(worker, `worker:${QueueNames.push}`);
  opts.logger.info({ port: ops.port, fingerprint: key.fingerprint.sha256, concurrency: signer.concurrency, registries: [...registries.keys()] }, 'signer started');
  return {
    port: ops.port,
    metrics,
    key,
    worker,
    async close() {
      // Lets running jobs finish; no new job is taken.
      await worker.close();
      await ops.close();
      await Promise.all([verifyQueue, ...depthQueues].map((q) => q.close()));
      await Promise.all([...registries.values()].map((r) => r.client.close()));
      await closeConnections();
    },
  };
}
