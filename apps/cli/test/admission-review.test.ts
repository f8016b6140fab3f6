import { writeFileSync } from 'node:fs';
import path from 'node:path';
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
import { stringify } from 'yaml';

const dir = makeTempDir('admission-review');
const { privateKey, publicKeyPath } = writeTrustedKey(dir);
let redis: RedisServer;
let registry: RegistryServer;

const signet = signetIn(dir);

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
  ({ redis, registry } = await startRedisAndRegistry());
  const client = new RegistryClient(registryClientOptions(registry));
  const digest = await pushImage(registry.url, 'team/app:1.0', CI_BOT);
  const payload = buildPayload({ dockerReference: `${registry.host}/team/app:1.0`, manifestDigest: digest });
  await new SignatureStore(client, { bundles: false }).append('team/app', digest, {
    payload,
    signature: signBytes(privateKey, payload).toString('base64'),
  });
  await client.close();
  await pushImage(registry.url, 'team/raw:1.0', MALLORY);
  writeConfigFile({ redis: { url: redis.url }, registries: [registryEntry(registry)], verifier: { keys: [publicKeyPath] } }, dir);
  // The verifier's state, written by a scan as the verifier's rescan writes it.
  await signet(['scan', '-o', 'json']);
}, 60_000);

afterAll(async () => {
  await Promise.all([redis?.teardown(), registry?.teardown()]);
  removeDir(dir);
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
