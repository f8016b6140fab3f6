// Shared setup of the signer's end-to-end tests: real Redis and registry (htpasswd users ci-bot and mallory),
// a cosign key pair on disk, the config file, and helpers to run the signer and the CLI as processes.
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { generateCosignKeyPair } from '@signet/crypto';
import {
  pushJobId,
  createRedisConnection,
  defaultJobOptions,
  openPushQueue,
  openVerifyQueue,
  QueueNames,
  type PushJob,
  type TypedQueue,
  type VerifyJob,
} from '@signet/queue';
import { RegistryClient } from '@signet/registry';
import { SignatureStore } from '@signet/signatures';
import {
  freePort,
  makeTempDir,
  removeDir,
  runSignet,
  sharedDir,
  startRedis,
  startRegistry,
  startService,
  writeConfigFile,
  type CliResult,
  type RedisServer,
  type RegistryOptions,
  type RegistryServer,
  type RunningService,
} from '@signet/testing';

export const CI_BOT = { username: 'ci-bot', password: 'ci-bot-pw' };
export const MALLORY = { username: 'mallory', password: 'mallory-pw' };
export const PREFIX = '{signet}';
const KEY_PASSWORD = 'signer-key-pw';
const WEBHOOK_TOKEN = 'hook-token-0123456789';

export interface SignerEnv {
  redis: RedisServer;
  registry: RegistryServer;
  dir: string;
  pubKey: string;
  /** Bearer header the registry's notifications (and a test replaying one) send to the receiver. */
  webhookAuth: Record<string, string>;
  pushQueue: TypedQueue<typeof QueueNames.push>;
  verifyQueue: TypedQueue<typeof QueueNames.verify>;
  /** Writes a config file (signer settings merged over the defaults) and returns its path. */
  config(signer?: Record<string, unknown>, registryUrl?: string): string;
  startSigner(configFile: string): Promise<RunningService>;
  startReceiver(configFile: string): Promise<RunningService>;
  /** Simple-signing layers now stored for a digest. */
  layers(repo: string, digest: string): Promise<number>;
  /** Enqueues a push job as the receiver would (same id scheme and options). */
  enqueuePush(event: Partial<PushJob['event']> & { repository: string; digest: string; tag?: string }): Promise<string>;
  /** Verify jobs the signer enqueued (no verifier runs in these tests, so they wait in the queue). */
  verifyJobs(): Promise<VerifyJob[]>;
  teardown(): Promise<void>;
}

export interface EnvOptions {
  /** Port the receiver will listen on: the registry sends its notifications there. */
  receiverPort?: number;
}

export async function startSignerEnv(opts: EnvOptions = {}): Promise<SignerEnv> {
  const dir = makeTempDir('signer-e2e');
  const users = { [CI_BOT.username]: CI_BOT.password, [MALLORY.username]: MALLORY.password };
  const webhookAuth = { Authorization: `Bearer ${WEBHOOK_TOKEN}` };
  const registryOpts: RegistryOptions = {
    users,
    ...(opts.receiverPort
      ? {
          notifications: {
            url: `http://127.0.0.1:${opts.receiverPort}/webhooks/local`,
            headers: webhookAuth,
            ignoreBlobs: true,
            ignorePulls: true,
            backoff: '200ms',
          },
        }
      : {}),
  };
  const [redis, registry, keys] = await Promise.all([startRedis(), startRegistry(registryOpts), generateCosignKeyPair(KEY_PASSWORD)]);
  const keyFile = join(dir, 'cosign.key');
  const pubKey = join(dir, 'cosign.pub');
  writeFileSync(keyFile, keys.privateKeyPem, { mode: 0o600 });
  writeFileSync(pubKey, keys.publicKeyPem);
  const connection = createRedisConnection({ url: redis.url, role: 'worker' });
  const pushQueue = openPushQueue(connection, PREFIX);
  const verifyQueue = openVerifyQueue(connection, PREFIX);
  const client = new RegistryClient({ name: 'local', url: registry.url, insecure: true, dockerConfig: false, ...CI_BOT });
  const store = new SignatureStore(client, { bundles: false });
  const services: RunningService[] = [];
  const env = { REGISTRY_PASSWORD: CI_BOT.password, COSIGN_PASSWORD: KEY_PASSWORD, WEBHOOK_TOKEN, LOG_LEVEL: 'info' };

  return {
    redis,
    registry,
    dir,
    pubKey,
    webhookAuth,
    pushQueue,
    verifyQueue,
    config(signer = {}, registryUrl = registry.url) {
      return writeConfigFile(
        {
          redis: { url: redis.url, prefix: PREFIX },
          registries: [
            {
              name: 'local',
              url: registryUrl,
              host: registry.host,
              username: CI_BOT.username,
              passwordEnv: 'REGISTRY_PASSWORD',
              retries: 1,
              timeout: '5s',
            },
          ],
          webhooks: [{ name: 'local', source: 'distribution', registry: 'local', auth: { type: 'bearer', tokenEnv: 'WEBHOOK_TOKEN' } }],
          receiver: { host: '127.0.0.1' },
          signer: {
            key: { path: keyFile, passwordEnv: 'COSIGN_PASSWORD' },
            trust: [{ registry: 'local', repositories: ['team/*'], actors: [CI_BOT.username] }],
            concurrency: 4,
            ...signer,
          },
        },
        makeTempDir('signer-config'),
      );
    },
    async startSigner(configFile) {
      const s = await startService('signer', { configFile, port: await freePort(), env });
      services.push(s);
      return s;
    },
    async startReceiver(configFile) {
      const s = await startService('webhook-receiver', { configFile, port: opts.receiverPort ?? (await freePort()), env });
      services.push(s);
      return s;
    },
    async layers(repo, digest) {
      return (await store.list(repo, digest)).length;
    },
    async enqueuePush(partial) {
      const event: PushJob['event'] = {
        kind: 'push',
        registry: 'local',
        actor: CI_BOT.username,
        eventId: `evt-${partial.digest}`,
        occurredAt: new Date().toISOString(),
        source: 'distribution',
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        ...partial,
      };
      const id = pushJobId(event);
      await pushQueue.add('push', { v: 1, event, receivedAt: new Date().toISOString() }, { ...defaultJobOptions, jobId: id });
      return id;
    },
    async verifyJobs() {
      const jobs = await verifyQueue.getJobs(['waiting', 'delayed', 'prioritized', 'active', 'completed', 'failed']);
      return jobs.map((j) => j.data as VerifyJob);
    },
    async teardown() {
      await Promise.all(services.map((s) => s.kill()));
      await Promise.all([pushQueue.close(), verifyQueue.close(), client.close()]);
      connection.disconnect();
      await Promise.all([registry.teardown(), redis.teardown()]);
      removeDir(dir);
    },
  };
}

/** A real Distribution notification (fixture), re-aimed at one digest and tag. */
export function distributionBody(opts: { id: string; repository: string; tag: string; digest: string; actor: string }): string {
  const body = JSON.parse(readFileSync(join(sharedDir(), 'fixtures/webhooks/distribution/manifest-push.real.json'), 'utf8'));
  const event = body.events[0];
  event.id = opts.id;
  event.timestamp = new Date().toISOString();
  event.target = { ...event.target, repository: opts.repository, tag: opts.tag, digest: opts.digest, url: undefined, references: [] };
  event.actor = { name: opts.actor };
  return JSON.stringify(body);
}

/** Runs the real CLI from source (`signet verify ...`) against the test registry. */
export function signetCli(args: string[]): Promise<CliResult> {
  return runSignet(args, {
    env: { HOME: makeTempDir('cli-home'), SIGNET_REGISTRY_USERNAME: CI_BOT.username, SIGNET_REGISTRY_PASSWORD: CI_BOT.password },
  });
}

/** An HTTP proxy that holds every request `delayMs` before forwarding it: a slow registry. */
export async function startDelayingProxy(target: string, delayMs: number): Promise<{ url: string; close(): Promise<void> }> {
  const upstream = new URL(target);
  const server: Server = createServer((req, res) => {
    setTimeout(() => {
      const up = request(
        { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers },
        (upRes) => {
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          upRes.pipe(res);
        },
      );
      up.on('error', () => res.destroy());
      req.pipe(up);
    }, delayMs);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
