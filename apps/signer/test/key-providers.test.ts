// The signer with keys that are not files: a PKCS#11 token (SoftHSM2) in a signer process, and a provider
// registered for a KMS scheme in an in-process signer, both through signer.key.uri and the same worker.
import { generateKeyPairSync } from 'node:crypto';
import { parseConfig } from '@signet/config';
import { parsePublicKeyPem, signingKeyFromPrivateKey, verifySignatureLayers, type SigningKey } from '@signet/crypto';
import { registerKeyProvider } from '@signet/keys';
import { createLogger } from '@signet/observability';
import { defaultJobOptions, JobNames, openPushQueue, pushJobId } from '@signet/queue';
import { RegistryClient } from '@signet/registry';
import { SignatureStore } from '@signet/signatures';
import {
  freePort,
  pushEvent,
  pushImage,
  startRedis,
  startRegistry,
  startService,
  startSoftHsmToken,
  waitFor,
  writeConfigFile,
  type RedisServer,
  type RegistryServer,
  type RunningService,
  type SoftHsmToken,
} from '@signet/testing';
import { Redis } from 'ioredis';
import { startSigner } from '../src/service';

const PREFIX = '{signet-keys}';
const PIN = '2468';

describe('the signer with signer.key.uri (real Redis, registry and token)', () => {
  let redis: RedisServer;
  let registry: RegistryServer;
  let conn: Redis;
  let client: RegistryClient;

  const config = (key: Record<string, unknown>) => ({
    redis: { url: redis.url, prefix: PREFIX },
    registries: [{ name: 'local', url: registry.url }],
    signer: { port: 0, concurrency: 2, key, trust: [{ registry: 'local', repositories: ['team/*'], actors: ['ci-bot'] }] },
  });

  /** Pushes an image and queues the webhook's push job, as the receiver does. */
  async function push(tag: string): Promise<{ digest: string; jobId: string }> {
    const digest = await pushImage(registry.url, `team/app:${tag}`);
    const event = pushEvent({ tag, digest });
    const jobId = pushJobId(event);
    const queue = openPushQueue(conn, PREFIX);
    await queue.add(JobNames.push, { v: 1, event, receivedAt: new Date().toISOString() }, { ...defaultJobOptions, jobId });
    await queue.close();
    return { digest, jobId };
  }

  async function signedBy(publicKeyPem: string, digest: string): Promise<boolean> {
    const layers = (await new SignatureStore(client, { bundles: false }).list('team/app', digest)).flatMap((s) =>
      s.kind === 'simple-signing' ? [s] : [],
    );
    return layers.length > 0 && verifySignatureLayers(layers, { keys: [parsePublicKeyPem(publicKeyPem)], expectedDigest: digest }).ok;
  }

  async function jobState(jobId: string): Promise<{ state: string; attemptsMade: number; failedReason?: string }> {
    const queue = openPushQueue(conn, PREFIX);
    try {
      const job = await queue.getJob(jobId);
      return { state: job ? await job.getState() : 'missing', attemptsMade: job?.attemptsMade ?? 0, failedReason: job?.failedReason };
    } finally {
      await queue.close();
    }
  }

  beforeAll(async () => {
    [redis, registry] = await Promise.all([startRedis(), startRegistry()]);
    conn = new Redis(redis.url, { maxRetriesPerRequest: null });
    client = new RegistryClient({ name: 'local', url: registry.url, insecure: true, dockerConfig: false });
  });
  afterAll(async () => {
    await client.close();
    conn.disconnect();
    await Promise.all([registry.teardown(), redis.teardown()]);
  });

  describe('a key on a PKCS#11 token, in a signer process', () => {
    let hsm: SoftHsmToken;
    let signer: RunningService;

    beforeAll(async () => {
      hsm = await startSoftHsmToken('signer token', PIN, { label: 'signer', id: '5a' });
      // The PIN comes from signer.key.passwordEnv, as a key file's password would.
      const uri = hsm.uri('token=signer%20token;id=%5a');
      const configFile = writeConfigFile(config({ uri, passwordEnv: 'SIGNET_TOKEN_PIN' }));
      signer = await startService('signer', { configFile, port: await freePort(), env: { ...hsm.env, SIGNET_TOKEN_PIN: PIN } });
    });
    afterAll(async () => {
      await signer.stop();
      hsm.teardown();
    });

    it('signs a trusted push through the token', async () => {
      const { digest, jobId } = await push('1.0');
      await waitFor(async () => (await jobState(jobId)).state === 'completed', 20_000, 'the push job');
      expect(await signedBy(hsm.key.publicKeyPem, digest)).toBe(true);
    });

    it('fails a push as retryable and answers 503 on /readyz while the token is gone, and signs it once the token is back', async () => {
      const putBack = hsm.removeTokens();
      let pushed: { digest: string; jobId: string };
      try {
        pushed = await push('2.0');
        await waitFor(async () => (await jobState(pushed.jobId)).attemptsMade >= 1, 20_000, 'a failed attempt');
        const failed = await jobState(pushed.jobId);
        // Retried with backoff (delayed or waiting), never failed for good.
        expect(failed.state).not.toBe('failed');
        expect(failed.failedReason).toMatch(/signing failed|the token cannot be opened/);
        expect((await fetch(`${signer.opsUrl}/readyz`)).status).toBe(503);
      } finally {
        putBack();
      }
      await waitFor(async () => (await fetch(`${signer.opsUrl}/readyz`)).status === 200, 20_000, 'ready again');
      await waitFor(async () => (await jobState(pushed.jobId)).state === 'completed', 30_000, 'the retried push job');
      expect(await signedBy(hsm.key.publicKeyPem, pushed.digest)).toBe(true);
    });
  });

  it('signs with a provider registered for a KMS scheme, through the same loading and worker', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const kmsKey: SigningKey = signingKeyFromPrivateKey(privateKey);
    const used: string[] = [];
    const unregister = registerKeyProvider('gcpkms', (ref) => ({
      description: ref,
      load: async () => ({ ...kmsKey, sign: (data) => (used.push(ref), kmsKey.sign(data)) }),
    }));
    const logger = createLogger({ service: 'signer-test', level: 'silent' });
    const running = await startSigner(
      parseConfig(config({ uri: 'gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/signer' }), { app: 'signer' }),
      { logger, env: {} },
    );
    try {
      expect(running.key.fingerprint).toEqual(kmsKey.fingerprint);
      const { digest, jobId } = await push('kms');
      await waitFor(async () => (await jobState(jobId)).state === 'completed', 20_000, 'the push job');
      expect(await signedBy(kmsKey.publicKeyPem, digest)).toBe(true);
      expect(used).toEqual(['gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/signer']);
    } finally {
      await running.close();
      unregister();
    }
  });
});
