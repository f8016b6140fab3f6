import type { KeyObject } from 'node:crypto';
import { Writable } from 'node:stream';
import { Queue } from 'bullmq';
import { parseConfig, type SignetConfig } from '@signet/config';
import { buildPayload, dssePae, signBytes } from '@signet/crypto';
import { COSIGN_SIGN_PREDICATE_TYPE, IN_TOTO_PAYLOAD_TYPE } from '@signet/oci';
import { createLogger, type Logger } from '@signet/observability';
import { createRedisConnection, defaultJobOptions, QueueNames, verifyJobId, type SignerDecision, type VerifyJob } from '@signet/queue';
import { RegistryClient } from '@signet/registry';
import { SignatureStore } from '@signet/signatures';
import {
  CI_BOT,
  makeTempDir,
  pushImage,
  registryClientOptions,
  registryEntry,
  removeDir,
  startRedisAndRegistry,
  writeTrustedKey,
  type RedisServer,
  type RegistryServer,
} from '@signet/testing';
import { Redis } from 'ioredis';

export { CI_BOT, MALLORY } from '@signet/testing';

/** Real Redis and registry (htpasswd users ci-bot and mallory), a trusted key pair and a verifier config. */
export interface TestEnv {
  redis: RedisServer;
  registry: RegistryServer;
  dir: string;
  privateKey: KeyObject;
  publicKeyPath: string;
  config(overrides?: {
    gracePeriod?: number | string;
    every?: number;
    repositories?: string[];
    repositoryKeys?: Array<{ repositories: string[]; keys: string[] }>;
    /** Further `verifier.*` keys as written in the YAML file. */
    verifier?: Record<string, unknown>;
    /** Further keys of the registry entry (`url` of a proxy in front of the registry, for instance). */
    registry?: Record<string, unknown>;
  }): SignetConfig;
  /** Signs `digest` for `repo:tag` as the signer does (identity `host/repo:tag`), or with another key/digest. */
  sign(repo: string, tag: string, digest: string, opts?: { key?: KeyObject; payloadDigest?: string; identity?: string }): Promise<void>;
  push(ref: string, creds?: { username: string; password: string }): Promise<string>;
  /** Enqueues a `signet.verify` job exactly as the signer would after deciding on a digest. */
  enqueueVerify(job: {
    repository: string;
    tag?: string;
    digest?: string;
    decision: SignerDecision;
    tagMoved?: boolean;
    actor?: string;
  }): Promise<void>;
  redisClient(): Redis;
  teardown(): Promise<void>;
}

export const silentLogger = createLogger({ service: 'verifier-test', level: 'silent' });

/** An info-level logger whose lines land, parsed, in `lines`: for tests of what the verifier logs. */
export function capturingLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: createLogger({ service: 'verifier-test', level: 'info', destination }), lines };
}

export async function startEnv(): Promise<TestEnv> {
  const { redis, registry } = await startRedisAndRegistry();
  const dir = makeTempDir('verifier-test');
  const { privateKey, publicKeyPath } = writeTrustedKey(dir);
  const client = new RegistryClient(registryClientOptions(registry));
  const sigStore = new SignatureStore(client, { bundles: false });
  const queueConn = createRedisConnection({ url: redis.url, role: 'worker' });
  const verifyQueue = new Queue(QueueNames.verify, { connection: queueConn, prefix: '{signet}' });
  // Connected before the tests start, so a test counting Redis clients does not see this one arrive.
  await verifyQueue.waitUntilReady();
  const clients: Redis[] = [];
  let pushes = 0;
  return {
    redis,
    registry,
    dir,
    privateKey,
    publicKeyPath,
    config(o = {}) {
      return parseConfig(
        {
          redis: { url: redis.url },
          registries: [
            registryEntry(registry, { timeout: '3s', ...(o.repositories ? { repositories: o.repositories } : {}), ...o.registry }),
          ],
          verifier: {
            port: 0,
            keys: [publicKeyPath],
            ...(o.repositoryKeys ? { repositoryKeys: o.repositoryKeys } : {}),
            rescan: { every: o.every === undefined ? '1h' : `${o.every}ms`, tagConcurrency: 16 },
            gracePeriod: o.gracePeriod ?? '30s',
            historyLength: 3,
            ...o.verifier,
          },
        },
        { env: { REGISTRY_PASSWORD: CI_BOT.password }, app: 'verifier' },
      );
    },
    async sign(repo, tag, digest, opts = {}) {
      const payload = buildPayload({
        dockerReference: opts.identity ?? `${registry.host}/${repo}:${tag}`,
        manifestDigest: opts.payloadDigest ?? digest,
      });
      const signature = signBytes(opts.key ?? privateKey, payload).toString('base64');
      await sigStore.append(repo, digest, { payload, signature });
    },
    push: (ref, creds = CI_BOT) => pushImage(registry.url, ref, creds),
    async enqueueVerify(job) {
      const data: VerifyJob = { v: 1, registry: 'local', ...job, pushedAt: new Date().toISOString() };
      await verifyQueue.add('verify', data, {
        ...defaultJobOptions,
        jobId: verifyJobId(`push-test-${++pushes}-${Date.now()}`, job.digest),
      });
    },
    redisClient() {
      const c = new Redis(redis.url);
      clients.push(c);
      return c;
    },
    async teardown() {
      await verifyQueue.close();
      await queueConn.quit();
      await Promise.all(clients.map((c) => c.quit()));
      await client.close();
      await Promise.all([redis.teardown(), registry.teardown()]);
      removeDir(dir);
    },
  };
}

/**
 * A cosign v3-style Sigstore bundle: an in-toto statement for `digest` (subject named `name`, if given; cosign
 * names none) with `predicateType` (cosign's signature one by default), in a DSSE envelope signed by `key`.
 */
export function bundleFor(digest: string, key: KeyObject, opts: { name?: string; predicateType?: string } = {}): Buffer {
  const statement = Buffer.from(
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ ...(opts.name !== undefined ? { name: opts.name } : {}), digest: { sha256: digest.slice(7) } }],
      predicateType: opts.predicateType ?? COSIGN_SIGN_PREDICATE_TYPE,
      predicate: {},
    }),
  );
  const sig = signBytes(key, dssePae(IN_TOTO_PAYLOAD_TYPE, statement)).toString('base64');
  return Buffer.from(
    JSON.stringify({
      mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      verificationMaterial: { publicKey: { hint: '' } },
      dsseEnvelope: { payload: statement.toString('base64'), payloadType: IN_TOTO_PAYLOAD_TYPE, signatures: [{ sig }] },
    }),
  );
}

/** The current value of a metric line in a Prometheus text exposition (undefined when absent). */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const body = m[3] ?? '';
    if (Object.entries(labels).every(([k, v]) => body.includes(`${k}="${v}"`))) return Number(m[4]);
  }
  return undefined;
}
