import { buildPayload, signBytes } from '@signet/crypto';
import { RegistryClient } from '@signet/registry';
import { SignatureStore } from '@signet/signatures';
import {
  CI_BOT,
  makeTempDir,
  MALLORY,
  pushImage,
  registryClientOptions,
  registryEntry,
  removeDir,
  signetIn,
  startRedisAndRegistry,
  writeConfigFile,
  writeTrustedKey,
  type RedisServer,
  type RegistryServer,
} from '@signet/testing';

const dir = makeTempDir('scan');
const { privateKey, publicKeyPath } = writeTrustedKey(dir);
let redis: RedisServer;
let registry: RegistryServer;
let client: RegistryClient;

const signet = signetIn(dir);

async function signedPush(ref: string): Promise<string> {
  const [repo = '', tag = ''] = ref.split(':');
  const digest = await pushImage(registry.url, ref, CI_BOT);
  const payload = buildPayload({ dockerReference: `${registry.host}/${repo}:${tag}`, manifestDigest: digest });
  await new SignatureStore(client, { bundles: false }).append(repo, digest, {
    payload,
    signature: signBytes(privateKey, payload).toString('base64'),
  });
  return digest;
}

beforeAll(async () => {
  ({ redis, registry } = await startRedisAndRegistry());
  client = new RegistryClient(registryClientOptions(registry));
  writeConfigFile(
    { redis: { url: redis.url }, registries: [registryEntry(registry)], verifier: { keys: [publicKeyPath], gracePeriod: '0s' } },
    dir,
  );
});
afterAll(async () => {
  await client?.close();
  await Promise.all([redis?.teardown(), registry?.teardown()]);
  removeDir(dir);
});

it('finds an unsigned overwrite, lists it in status, and clears it with ack', async () => {
  await signedPush('team/app:1.0.0');
  await signedPush('team/app:2.0.0');
  const first = await signet(['scan']);
  expect(first.code).toBe(0);
  expect(first.stdout).toMatch(/^REPOSITORY\s+TAG\s+DIGEST\s+VERDICT/);
  expect(first.stdout).toMatch(/local\/team\/app\s+1\.0\.0\s+sha256:\S+\s+signed/);
  expect(first.stderr).toMatch(/scanned 2\/2 tags/);

  const bad = await pushImage(registry.url, 'team/app:1.0.0', MALLORY);
  const second = await signet(['scan', '--json']);
  expect(second.code).toBe(1);
  const rows = JSON.parse(second.stdout) as Array<{ tag: string; digest: string; verdict: string; violation: boolean }>;
  expect(rows.find((r) => r.tag === '1.0.0')).toMatchObject({ digest: bad, verdict: 'unsigned', violation: true });
  expect(rows.find((r) => r.tag === '2.0.0')).toMatchObject({ verdict: 'signed', violation: false });

  const status = await signet(['status', '--json']);
  expect(status.code).toBe(1); // a violation stands
  expect(JSON.parse(status.stdout)).toEqual([
    expect.objectContaining({ registry: 'local', repository: 'team/app', tag: '1.0.0', digest: bad }),
  ]);

  expect((await signet(['ack', 'local/team/app:1.0.0'])).code).toBe(0);
  expect(await signet(['status'])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^no violations\n.*acknowledged by /) });
  expect((await signet(['ack', 'local/team/app:1.0.0'])).code).toBe(1);
  expect((await signet(['scan', '--repository', 'team/app'])).code).toBe(0);
});

it('with --no-state judges tags as first seen: unsigned is reported, not a violation', async () => {
  await pushImage(registry.url, 'team/other:x', MALLORY);
  const r = await signet(['scan', '--no-state', '--repository', 'team/other', '--json']);
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout)).toEqual([expect.objectContaining({ tag: 'x', verdict: 'unsigned', violation: false })]);
});

it('answers usage errors with exit code 2', async () => {
  expect((await signet(['scan', '--registry', 'nope'])).code).toBe(2);
  expect((await signet(['ack', 'not-a-ref'])).code).toBe(2);
  const help = await signet(['status', '--help']);
  expect(help.code).toBe(0);
  expect(help.stdout).toMatch(/violation/);
});
