// Key compromise, end to end (docs/key-rotation.md), with receiver, signer, verifier and the CLI as processes
// on a real registry: ci-bot's pushes are signed by the old key; mallory, holding the stolen old key, pushes an
// image and signs it herself. The operator rotates (new key signing, old still accepted), re-signs what the
// signer's records vouch for, then revokes the old key. No trusted tag may leave `signed` at any point.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { generateCosignKeyPair, loadPublicKeys, PublicKeySet, verifySignatureLayers } from '@signet/crypto';
import { RegistryClient } from '@signet/registry';
import { SignatureStore } from '@signet/signatures';
import {
  freePort,
  makeTempDir,
  pushImage,
  repoRoot,
  runSignet,
  sleep,
  startRedis,
  startRegistry,
  startService,
  waitFor,
  writeConfigFile,
  writeKeyPair,
  type CliResult,
  type KeyPairFiles,
  type RedisServer,
  type RegistryServer,
  type RunningService,
} from '@signet/testing';
import { TagStore } from '@signet/verification';
import { Redis } from 'ioredis';
import { CI_BOT, MALLORY, notifyReceiver, WEBHOOK_TOKEN } from './pipeline-env';

const PREFIX = '{signet}';
const PASSWORD = 'pw';

describe('key compromise: rotate, re-sign the trusted digests, revoke (services and CLI as processes)', () => {
  const dir = makeTempDir('key-compromise');
  const env = { REGISTRY_PASSWORD: CI_BOT.password, WEBHOOK_TOKEN, COSIGN_PASSWORD: PASSWORD };
  let OLD: KeyPairFiles;
  let NEW: KeyPairFiles;
  let redis: RedisServer;
  let registry: RegistryServer;
  let conn: Redis;
  let store: SignatureStore;
  let client: RegistryClient;
  let receiverPort: number;
  let receiver: RunningService;
  let signer: RunningService;
  let verifier: RunningService;
  const timings: Record<string, number> = {};

  /** The config at one step of the procedure. */
  function config(step: { signerKey: string; verifierKeys: string[]; revokedKeys?: string[] }): string {
    return writeConfigFile(
      {
        redis: { url: redis.url, prefix: PREFIX },
        registries: [{ name: 'local', url: registry.url, username: CI_BOT.username, passwordEnv: 'REGISTRY_PASSWORD' }],
        webhooks: [{ name: 'local', source: 'distribution', registry: 'local', auth: { type: 'bearer', tokenEnv: 'WEBHOOK_TOKEN' } }],
        receiver: { host: '127.0.0.1' },
        signer: {
          key: { path: step.signerKey, passwordEnv: 'COSIGN_PASSWORD' },
          trust: [{ registry: 'local', repositories: ['team/*'], actors: [CI_BOT.username] }],
        },
        verifier: { keys: step.verifierKeys, revokedKeys: step.revokedKeys ?? [], rescan: { every: '1s' }, gracePeriod: '30s' },
        log: { level: 'warn' },
      },
      makeTempDir('key-compromise-config'),
    );
  }
  /** Replaces the signer and verifier with processes on `configFile` (the receiver keeps running). */
  async function restart(configFile: string): Promise<void> {
    await signer?.stop();
    signer = await startService('signer', { configFile, port: await freePort(), env });
    await verifier?.stop();
    verifier = await startService('verifier', { configFile, port: await freePort(), env });
  }
  const tagStore = () => new TagStore(conn, PREFIX);
  const stateOf = async (repository: string, tag: string) => (await tagStore().read({ registry: 'local', repository, tag })).state;
  const untilVerdict = (
    repository: string,
    tag: string,
    verdict: string,
    extra: (s: NonNullable<Awaited<ReturnType<typeof stateOf>>>) => boolean = () => true,
  ) =>
    waitFor(
      async () => {
        const s = await stateOf(repository, tag);
        return s?.verdict === verdict && extra(s);
      },
      60_000,
      `${repository}:${tag} ${verdict}`,
    );

  /** Simple-signing layers of `digest` that verify with the key at `pub`. */
  async function signaturesBy(pub: string, repository: string, digest: string): Promise<number> {
    const keys: PublicKeySet = await loadPublicKeys([pub]);
    const layers = (await store.list(repository, digest)).flatMap((s) =>
      s.kind === 'simple-signing' ? [{ payload: s.payload, signature: s.signature, mediaType: s.layer.mediaType }] : [],
    );
    return layers.filter((l) => verifySignatureLayers([l], { keys, expectedDigest: digest }).ok).length;
  }
  const cli = (args: string[], extra: Record<string, string> = {}): Promise<CliResult> =>
    runSignet(args, { env: { HOME: makeTempDir('cli-home'), ...env, ...extra } });

  beforeAll(async () => {
    receiverPort = await freePort();
    [redis, registry] = await Promise.all([
      startRedis(),
      startRegistry({
        users: { [CI_BOT.username]: CI_BOT.password, [MALLORY.username]: MALLORY.password },
        notifications: notifyReceiver(receiverPort),
      }),
    ]);
    OLD = writeKeyPair(dir, 'old', await generateCosignKeyPair(PASSWORD));
    NEW = writeKeyPair(dir, 'new', await generateCosignKeyPair(PASSWORD));
    conn = new Redis(redis.url);
    client = new RegistryClient({ name: 'local', url: registry.url, insecure: true, dockerConfig: false, ...CI_BOT });
    store = new SignatureStore(client, { bundles: false });
    const before = config({ signerKey: OLD.key, verifierKeys: [OLD.pub] });
    receiver = await startService('webhook-receiver', { configFile: before, port: receiverPort, env });
    await restart(before);
  });
  afterAll(async () => {
    for (const s of [receiver, signer, verifier]) await s?.stop();
    await client?.close();
    conn?.disconnect();
    await registry?.teardown();
    await redis?.teardown();
    console.log('key-compromise timings (ms):', JSON.stringify(timings));
  });

  it("re-signs only ci-bot's digests, leaves mallory's for a human, and revokes with no gap for the trusted tags", async () => {
    // Before the compromise is known: ci-bot's two images are signed by the old key through the pipeline.
    const app = await pushImage(registry.url, 'team/app:1', CI_BOT);
    const api = await pushImage(registry.url, 'team/api:1', CI_BOT);
    await untilVerdict('team/app', '1', 'signed');
    await untilVerdict('team/api', '1', 'signed');
    // mallory holds the stolen key: she pushes and signs with `signet sign`, which the verifier accepts.
    const evil = await pushImage(registry.url, 'team/app:evil', MALLORY);
    const signed = await cli(['sign', '--key', OLD.key, '--allow-insecure-registry', `${registry.host}/team/app:evil`], {
      SIGNET_REGISTRY_USERNAME: MALLORY.username,
      SIGNET_REGISTRY_PASSWORD: MALLORY.password,
    });
    expect(signed.code).toBe(0);
    await untilVerdict('team/app', 'evil', 'signed');

    // From here on, ci-bot's tags must never leave `signed`.
    const seen: string[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        for (const [repository, tag] of [
          ['team/app', '1'],
          ['team/api', '1'],
        ] as const) {
          const s = await stateOf(repository, tag);
          if (s?.verdict !== 'signed' || s.flag !== 'none') seen.push(`${repository}:${tag} ${s?.verdict}/${s?.flag}`);
        }
        await sleep(100);
      }
    })();

    // Rotation: the signer signs with the new key; the verifier accepts both.
    let t = Date.now();
    const rotated = config({ signerKey: NEW.key, verifierKeys: [NEW.pub, OLD.pub] });
    await restart(rotated);
    timings.rotateRestart = Date.now() - t;
    const later = await pushImage(registry.url, 'team/api:2', CI_BOT);
    await untilVerdict('team/api', '2', 'signed');
    expect(await signaturesBy(NEW.pub, 'team/api', later)).toBe(1);

    // Re-sign, interrupted after its first digest, then run again: the second run resumes.
    t = Date.now();
    const interrupted = await runUntilFirstResign(['resign', '--from', OLD.pub, '--config', rotated, '--rate', '3'], {
      HOME: makeTempDir('cli-home'),
      ...env,
    });
    timings.interruptedRun = Date.now() - t;
    expect(interrupted.resignedBeforeKill).toBeGreaterThanOrEqual(1);
    t = Date.now();
    const resumed = await cli(['resign', '--from', OLD.pub, '--config', rotated, '--remove-old', '-o', 'json']);
    timings.resumedRun = Date.now() - t;
    expect(resumed.code).toBe(3); // done, with a digest left for a human
    const report = JSON.parse(resumed.stdout) as {
      digests: Array<{ repository: string; digest: string; outcome: string; removedOld?: number; tags: string[] }>;
    };
    const byDigest = new Map(report.digests.map((d) => [d.digest, d]));
    expect(byDigest.get(evil)).toMatchObject({ repository: 'team/app', outcome: 'left-for-human', tags: ['evil'] });
    expect([app, api].map((d) => byDigest.get(d)?.outcome)).toEqual(expect.arrayContaining(['already-new']));
    for (const d of [app, api]) expect(byDigest.get(d)).toMatchObject({ removedOld: 1 });
    expect(byDigest.has(later)).toBe(false); // never signed by the old key: not its business

    // Every trusted digest is signed by the new key only (once, despite the interruption); mallory's by the old only.
    for (const [repository, digest] of [
      ['team/app', app],
      ['team/api', api],
    ] as const) {
      expect(await signaturesBy(NEW.pub, repository, digest)).toBe(1);
      expect(await signaturesBy(OLD.pub, repository, digest)).toBe(0);
    }
    expect(await signaturesBy(NEW.pub, 'team/app', evil)).toBe(0);
    expect(await signaturesBy(OLD.pub, 'team/app', evil)).toBe(1);
    const oldVerify = await cli(['verify', '--key', OLD.pub, '--allow-insecure-registry', `${registry.host}/team/app:1`], {
      SIGNET_REGISTRY_USERNAME: CI_BOT.username,
      SIGNET_REGISTRY_PASSWORD: CI_BOT.password,
    });
    expect(oldVerify.code).not.toBe(0);

    // A third run changes nothing.
    const again = await cli(['resign', '--from', OLD.pub, '--config', rotated, '--remove-old', '-o', 'json']);
    expect(again.code).toBe(3);
    const third = (JSON.parse(again.stdout) as typeof report).digests;
    expect(third.filter((d) => d.outcome === 'resigned' || (d.removedOld ?? 0) > 0)).toEqual([]);

    // Revocation: the old key no longer counts. mallory's tag is reported; ci-bot's stay signed.
    t = Date.now();
    await restart(config({ signerKey: NEW.key, verifierKeys: [NEW.pub], revokedKeys: [OLD.pub] }));
    await untilVerdict('team/app', 'evil', 'invalid', (s) => s.flag === 'violation' && s.reason === 'revoked');
    timings.revokeToViolation = Date.now() - t;
    await sleep(2500); // two more rescans under the revocation
    watching = false;
    await watcher;
    expect(seen).toEqual([]);
    expect(await tagStore().violations()).toEqual([
      { registry: 'local', repository: 'team/app', tag: 'evil', digest: evil, reason: 'revoked' },
    ]);
    for (const [repository, tag] of [
      ['team/app', '1'],
      ['team/api', '1'],
      ['team/api', '2'],
    ] as const)
      expect((await stateOf(repository, tag))?.verdict).toBe('signed');
  });
});

/** Runs the CLI, and kills it (SIGKILL) once its progress says a digest was re-signed. */
function runUntilFirstResign(args: string[], env: Record<string, string>): Promise<{ resignedBeforeKill: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot(), 'apps/cli/bin/signet.js'), ...args], {
      env: { PATH: process.env.PATH, SIGNET_CLI_FROM_SOURCE: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let resigned = 0;
    let buffered = '';
    child.stderr.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) if (line.includes('"outcome":"resigned"')) resigned++;
      if (resigned > 0) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('close', (code) =>
      resigned > 0 ? resolve({ resignedBeforeKill: resigned }) : reject(new Error(`resign exited ${code} before re-signing anything`)),
    );
  });
}
