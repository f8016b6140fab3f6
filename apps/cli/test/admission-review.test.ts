import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildPayload, signBytes } from '@signet/crypto';
import { RegistryClient } from '@signet/registry';
import { SignatureStore } from '@signet/signatures';
import { pushImage, runSignet, startRedis, startRegistry, type CliResult, type RedisServer, type RegistryServer } from '@signet/testing';
import { stringify } from 'yaml';

const CI_BOT = { username: 'ci-bot', password: 'ci-bot-pw' };
const MALLORY = { username: 'mallory', password: 'mallory-pw' };
const dir = mkdtempSync(path.join(tmpdir(), 'signet-admission-review-'));
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
let redis: RedisServer;
let registry: RegistryServer;

const signet = (args: string[]): Promise<CliResult> =>
  runSignet(args, { env: { HOME: dir, SIGNET_CONFIG: path.join(dir, 'signet.yaml'), REGISTRY_PASSWORD: CI_BOT.password } });

function manifest(name: string, docs: unknown[]): string {
  const file = path.join(dir, name);
  writeFileSync(file, docs.map((d) => stringify(d)).join('---\n'));
  return file;
}
const deployment = (name: string, image: string, init?: string) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: {
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name, image }], ...(init ? { initContainers: [{ name: 'init', image: init }] } : {}) },
    },
  },
});

beforeAll(async () => {
  [redis, registry] = await Promise.all([
    startRedis(),
    startRegistry({ users: { [CI_BOT.username]: CI_BOT.password, [MALLORY.username]: MALLORY.password } }),
  ]);
  const client = new RegistryClient({
    name: 'local',
    url: registry.url,
    username: CI_BOT.username,
    password: CI_BOT.password,
    insecure: true,
    dockerConfig: false,
  });
  const digest = await pushImage(registry.url, 'team/app:1.0', CI_BOT);
  const payload = buildPayload({ dockerReference: `${registry.host}/team/app:1.0`, manifestDigest: digest });
  await new SignatureStore(client, { bundles: false }).append('team/app', digest, {
    payload,
    signature: signBytes(privateKey, payload).toString('base64'),
  });
  await client.close();
  await pushImage(registry.url, 'team/raw:1.0', MALLORY);
  writeFileSync(path.join(dir, 'cosign.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
  const local = { name: 'local', url: registry.url, username: CI_BOT.username, passwordEnv: 'REGISTRY_PASSWORD', retries: 0 };
  writeFileSync(
    path.join(dir, 'signet.yaml'),
    stringify({ redis: { url: redis.url }, registries: [local], verifier: { keys: [path.join(dir, 'cosign.pub')] } }),
  );
  // The verifier's state, written by a scan as the verifier's rescan writes it.
  await signet(['scan', '-o', 'json']);
}, 60_000);

afterAll(async () => {
  await Promise.all([redis?.teardown(), registry?.teardown()]);
  rmSync(dir, { recursive: true, force: true });
});

it('exits 0 when every image of the manifests is validly signed', async () => {
  const file = manifest('ok.yaml', [
    deployment('web', `${registry.host}/team/app:1.0`),
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { ports: [{ port: 80 }] } },
  ]);
  const res = await signet(['admission-review', file]);
  expect(res.stderr).toBe('');
  expect(res.code).toBe(0);
  expect(res.stdout).toContain('allowed  Deployment/web in default');
});

it('exits 1 and names the image, the container and the reason when one is not signed', async () => {
  const file = manifest('bad.yaml', [
    deployment('web', `${registry.host}/team/app:1.0`),
    deployment('job', `${registry.host}/team/app:1.0`, `${registry.host}/team/raw:1.0`),
  ]);
  const res = await signet(['admission-review', file]);
  expect(res.code).toBe(1);
  expect(res.stdout).toContain('allowed  Deployment/web');
  expect(res.stdout).toContain('DENIED   Deployment/job');
  expect(res.stdout).toContain(`${registry.host}/team/raw:1.0`);
  expect(res.stdout).toContain('is not signed');
});

it('judges in the namespace given, skipping an excluded one', async () => {
  const file = manifest('sys.yaml', [deployment('dns', `${registry.host}/team/raw:1.0`)]);
  const res = await signet(['admission-review', file, '--namespace', 'kube-system']);
  expect(res.code).toBe(0);
  expect(res.stdout).toContain('namespace excluded');
});
