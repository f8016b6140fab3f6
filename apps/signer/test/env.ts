import { generateCosignKeyPair, loadPrivateKeyPem, signingKeyFromPrivateKey, type SigningKey } from '@signet/crypto';
import { MetricsRegistry } from '@signet/observability';
import type { VerifyJob } from '@signet/queue';
import { RegistryClient } from '@signet/registry';
import { SignatureStore } from '@signet/signatures';
import { startRedis, startRegistry, type RedisServer, type RegistryServer } from '@signet/testing';
import { Redis } from 'ioredis';
import { DigestLock } from '@signet/queue';
import { createSignerMetrics, type SignerMetrics } from '../src/metrics';
import type { SignerDeps, SignerRegistry } from '../src/process-push';
import { TrustPolicy } from '../src/trust';

export const CI_BOT = { username: 'ci-bot', password: 'ci-pw' };
export const MALLORY = { username: 'mallory', password: 'mallory-pw' };
export const PREFIX = '{signet-test}';

export async function newKey(): Promise<SigningKey> {
  const files = await generateCosignKeyPair('pw', { params: { N: 32768, r: 8, p: 1 } });
  return signingKeyFromPrivateKey(await loadPrivateKeyPem(files.privateKeyPem, 'pw'));
}

export interface TestEnv {
  redis: RedisServer;
  registry: RegistryServer;
  conn: Redis;
  key: SigningKey;
  /** A fresh set of deps (own clients and metrics) over the same registry and Redis: one "replica". */
  replica(overrides?: Partial<SignerDeps> & { retries?: number; password?: string }): Replica;
  teardown(): Promise<void>;
}

export interface Replica {
  deps: SignerDeps;
  reg: SignerRegistry;
  verifyJobs: { jobId: string; data: VerifyJob }[];
  metrics: SignerMetrics;
  metricsRegistry: MetricsRegistry;
}

export async function startEnv(): Promise<TestEnv> {
  const [redis, registry, key] = await Promise.all([
    startRedis(),
    startRegistry({ users: { [CI_BOT.username]: CI_BOT.password, [MALLORY.username]: MALLORY.password } }),
    newKey(),
  ]);
  const conn = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  const clients: RegistryClient[] = [];
  return {
    redis,
    registry,
    conn,
    key,
    replica(overrides = {}) {
      const { retries, password, ...rest } = overrides;
      const client = new RegistryClient({
        name: 'local',
        url: registry.url,
        insecure: true,
        dockerConfig: false,
        username: CI_BOT.username,
        password: password ?? CI_BOT.password,
        retries: retries ?? 1,
        retryBaseMs: 20,
      });
      clients.push(client);
      const reg: SignerRegistry = { name: 'local', host: registry.host, client, store: new SignatureStore(client, { bundles: false }) };
      const metricsRegistry = new MetricsRegistry();
      const metrics = createSignerMetrics(metricsRegistry, ['local']);
      const verifyJobs: Replica['verifyJobs'] = [];
      const deps: SignerDeps = {
        registries: new Map([['local', reg]]),
        key,
        previousKeys: [],
        trust: new TrustPolicy([{ registry: 'local', repositories: ['team/*'], actors: ['ci-bot'] }]),
        identity: 'tag',
        annotations: {},
        recursive: false,
        lock: new DigestLock(conn, { prefix: PREFIX, ttlMs: 5000 }),
        enqueueVerify: async (jobId, data) => {
          verifyJobs.push({ jobId, data });
        },
        metrics,
        ...rest,
      };
      return { deps, reg, verifyJobs, metrics, metricsRegistry };
    },
    async teardown() {
      await Promise.all(clients.map((c) => c.close()));
      conn.disconnect();
      await Promise.all([registry.teardown(), redis.teardown()]);
    },
  };
}
