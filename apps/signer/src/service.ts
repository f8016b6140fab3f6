import type { SignerConfig, SignetConfig } from '@signet/config';
import { loadPublicKeys, type PublicKeySet, type SigningKey } from '@signet/crypto';
import { keyProviderFromRef, type KeyProvider } from '@signet/keys';
import type { MetricsRegistry } from '@signet/observability';
import {
  defaultJobOptions,
  DigestLock,
  JobNames,
  openVerifyQueue,
  openWorker,
  QueueNames,
  type TypedQueue,
  type TypedWorker,
} from '@signet/queue';
import { withServiceRuntime, type Env, type ServiceRuntime, type StartOptions } from '@signet/runtime';
import { SigningRecords } from '@signet/verification';
import type { Cluster, Redis } from 'ioredis';
import { createSignerMetrics, type SignerMetrics } from './metrics';
import { processPush, type PushOutcome, type SignerDeps } from './process-push';
import { signerRegistries } from './registries';
import { TrustPolicy } from './trust';

export type { StartOptions };

export interface RunningSigner {
  port: number;
  metrics: MetricsRegistry;
  key: SigningKey;
  worker: TypedWorker<typeof QueueNames.push, PushOutcome>;
  close(): Promise<void>;
}

type Connection = Redis | Cluster;

/**
 * The signing key `signer.key` names: `uri` (any reference `signet sign --key` takes: a pkcs11: URI, env://,
 * a path, a registered KMS), else `provider`, else the file `path`. The password decrypts a key file, or is
 * the token's PIN where the pkcs11: URI gives none. The provider stays open: a token's readiness is checked
 * on every /readyz.
 */
export async function loadSigningKey(signer: SignerConfig, env: Env): Promise<{ key: SigningKey; provider: KeyProvider }> {
  const ref = signer.key?.uri ?? signer.key?.provider ?? signer.key?.path;
  if (!ref) throw new Error('signer.key needs a uri, a path or a provider');
  const password = signer.key?.password;
  const provider = keyProviderFromRef(ref, {
    env,
    password: () => {
      if (!password) throw new Error(`${ref} is encrypted: set signer.key.passwordEnv or passwordFile`);
      return password.reveal();
    },
    ...(password ? { pin: () => password.reveal() } : {}),
  });
  try {
    return { key: await provider.load(), provider };
  } catch (err) {
    await provider.close?.();
    throw err;
  }
}

interface SignerKeys {
  key: SigningKey;
  provider: KeyProvider;
  previous: PublicKeySet;
  /** verifier.revokedKeys: never counted as "already signed", even if listed in previousKeys. */
  revoked: PublicKeySet;
}

async function loadKeys(config: SignetConfig, signer: SignerConfig, env: Env): Promise<SignerKeys> {
  const [signing, previous, revoked] = await Promise.all([
    loadSigningKey(signer, env),
    loadPublicKeys(signer.previousKeys),
    loadPublicKeys(config.verifier?.revokedKeys ?? []),
  ]);
  return { ...signing, previous, revoked };
}

/** What processPush needs: the registries, keys, policy and the verify queue it reports each decision on. */
function signerDeps(
  rt: ServiceRuntime,
  config: SignetConfig,
  signer: SignerConfig,
  parts: { keys: SignerKeys; state: Connection; verifyQueue: TypedQueue<typeof QueueNames.verify>; metrics: SignerMetrics },
): SignerDeps {
  const { keys, state, verifyQueue } = parts;
  const registries = signerRegistries(config.registries, { redis: state as Redis, prefix: rt.prefix, layout: signer.layout });
  rt.defer('registry clients', () => Promise.all([...registries.values()].map((r) => r.client.close())));
  return {
    registries,
    key: keys.key,
    previousKeys: keys.previous.keys.map((k) => k.key),
    revokedKeys: keys.revoked.keys.map((k) => k.key),
    records: new SigningRecords(state, rt.prefix),
    trust: new TrustPolicy(signer.trust),
    identity: signer.identity,
    annotations: signer.annotations,
    recursive: signer.recursive,
    layout: signer.layout,
    lock: new DigestLock(state, { prefix: rt.prefix, ttlMs: signer.digestLockTtl }),
    enqueueVerify: async (jobId, data) => {
      await verifyQueue.add(JobNames.verify, data, { ...defaultJobOptions, jobId });
    },
    metrics: parts.metrics,
    logger: rt.logger,
  };
}

/** The `signet.push` worker; closed first on shutdown, letting running jobs finish. */
function startPushWorker(
  rt: ServiceRuntime,
  signer: SignerConfig,
  deps: SignerDeps,
  connection: Connection,
): TypedWorker<typeof QueueNames.push, PushOutcome> {
  const worker = openWorker(
    QueueNames.push,
    (job) => processPush(deps, { id: job.id, data: job.data, attemptsMade: job.attemptsMade, maxAttempts: job.opts.attempts ?? 1 }),
    {
      connection,
      prefix: rt.prefix,
      concurrency: signer.concurrency,
      lockDuration: signer.lockDuration,
      stalledInterval: signer.stalledInterval,
      ...(signer.limiter ? { limiter: signer.limiter } : {}),
    },
  );
  // The worker's own blocking connection reports through the service's reporter, rate-limited with the others.
  return rt.own(worker, `worker:${QueueNames.push}`);
}

/**
 * Starts one signer replica: the ops listener first (not ready until the key is loaded and Redis answers),
 * then the keys, then the `signet.push` worker. A start that fails closes what it opened.
 */
export async function startSigner(config: SignetConfig, opts: StartOptions): Promise<RunningSigner> {
  return withServiceRuntime('signer', config, opts, async (rt, signer) => {
    const worker = rt.connection('worker');
    const state = rt.connection('worker');
    // Scrapes and readiness answer quickly while Redis is down: a fail-fast connection.
    const scrape = rt.connection('producer');
    const metrics = createSignerMetrics(
      rt.metrics,
      config.registries.map((r) => r.name),
    );
    const verifyQueue = rt.own(openVerifyQueue(state, rt.prefix), `queue:${QueueNames.verify}`);
    rt.reportQueueDepths(scrape, [QueueNames.push, QueueNames.verify]);

    // Ready once the key is loaded, while it can sign (a token that was removed is not) and Redis answers.
    const loaded: { provider?: KeyProvider } = {};
    const ready = async () => loaded.provider !== undefined && ((await loaded.provider.ready?.()) ?? true);
    const ops = await rt.startOps({ port: opts.port ?? signer.port, redis: [scrape], ready });
    const keys = await loadKeys(config, signer, opts.env ?? {});
    const { key } = keys;
    loaded.provider = keys.provider;
    rt.defer('signing key', () => keys.provider.close?.());
    metrics.keyInfo.labels(key.fingerprint.sha256).set(1);

    const deps = signerDeps(rt, config, signer, { keys, state, verifyQueue, metrics });
    const pushWorker = startPushWorker(rt, signer, deps, worker);
    rt.logger.info(
      { port: ops.port, fingerprint: key.fingerprint.sha256, concurrency: signer.concurrency, registries: [...deps.registries.keys()] },
      'signer started',
    );
    return { port: ops.port, metrics: rt.metrics, key, worker: pushWorker };
  });
}
