import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateCosignKeyPair } from '@signet/crypto';
import { digestOf, SIGNATURE_ANNOTATION, signatureTag, SIMPLE_SIGNING } from '@signet/oci';
import { parseImageManifest, RegistryClient } from '@signet/registry';
import { signatureImage } from '@signet/signatures';
import {
  pushImage,
  pushIndex,
  runSignet,
  startRegistry,
  writeCredentialHelper,
  writeKeyPair,
  type CliResult,
  type RegistryServer,
} from '@signet/testing';

const USER = 'ci-bot';
const PASSWORD = 'registry-pw';
const KEY_PASSWORD = 'key-pw';
const creds = { username: USER, password: PASSWORD };

/** The real CLI with a clean HOME (no Docker config of the machine) and only the env given. */
function signet(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runSignet(args, { env: { HOME: home, COSIGN_PASSWORD: KEY_PASSWORD, ...env } });
}

const home = mkdtempSync(path.join(tmpdir(), 'signet-sign-'));
const auth = ['--allow-insecure-registry', '--registry-username', USER, '--registry-password', PASSWORD];
const envAuth = { SIGNET_REGISTRY_USERNAME: USER, SIGNET_REGISTRY_PASSWORD: PASSWORD };

async function writeKeys(name: string): Promise<{ key: string; pub: string }> {
  return writeKeyPair(home, name, await generateCosignKeyPair(KEY_PASSWORD));
}

describe('signet sign / verify against a registry with basic auth', () => {
  let registry: RegistryServer;
  let client: RegistryClient;
  let first: { key: string; pub: string };
  let second: { key: string; pub: string };

  beforeAll(async () => {
    registry = await startRegistry({ users: { [USER]: PASSWORD } });
    client = new RegistryClient({ name: 't', url: registry.url, insecure: true, dockerConfig: false, ...creds });
    [first, second] = await Promise.all([writeKeys('first'), writeKeys('second')]);
  });
  afterAll(async () => {
    await client.close();
    await registry.teardown();
    rmSync(home, { recursive: true, force: true });
  });

  it('signs a tag and verifies it; an overwritten tag then fails verification', async () => {
    const digest = await pushImage(registry.url, 'team/app:1.0.0', creds);
    const image = `${registry.host}/team/app:1.0.0`;
    const signed = await signet(['sign', '--key', first.key, '-a', 'env=prod', image, ...auth]);
    expect(signed).toMatchObject({ code: 0 });
    const ok = await signet(['verify', '--key', first.pub, '-a', 'env=prod', image, '--allow-insecure-registry'], envAuth);
    expect(ok.code).toBe(0);
    const payloads = JSON.parse(ok.stdout);
    expect(payloads).toEqual([
      {
        critical: {
          identity: { 'docker-reference': `${registry.host}/team/app:1.0.0` },
          image: { 'docker-manifest-digest': digest },
          type: 'cosign container image signature',
        },
        optional: { env: 'prod' },
      },
    ]);
    expect((await signet(['verify', '--key', first.pub, '-a', 'env=dev', image, '--allow-insecure-registry'], envAuth)).code).toBe(1);

    await pushImage(registry.url, 'team/app:1.0.0', creds);
    const after = await signet(['verify', '--key', first.pub, image, '--allow-insecure-registry'], envAuth);
    expect(after.code).toBe(1);
    expect(after.stderr).toMatch(/no signatures found|no matching signatures/);
  });

  it('appends a layer per key, and each key verifies its own signature only', async () => {
    const digest = await pushImage(registry.url, 'team/two:1', creds);
    const image = `${registry.host}/team/two:1`;
    expect((await signet(['sign', '--key', first.key, '--identity', 'repository', image, ...auth])).code).toBe(0);
    expect((await signet(['sign', '--key', second.key, image, ...auth])).code).toBe(0);
    expect((await signet(['sign', '--key', second.key, image, ...auth])).stderr).toContain('Already signed by this key');
    const sig = await client.getManifest('team/two', signatureTag(digest));
    expect(JSON.parse(sig.bytes.toString()).layers).toHaveLength(2);
    for (const key of [first.pub, second.pub]) {
      const res = await signet(['verify', '--key', key, `${registry.host}/team/two@${digest}`, ...auth]);
      expect(res.code).toBe(0);
      expect(JSON.parse(res.stdout)).toHaveLength(1);
    }
    const both = await signet(['verify', '--key', first.pub, '--key', second.pub, image, ...auth]);
    expect(
      JSON.parse(both.stdout)
        .map((p: { critical: { identity: { 'docker-reference': string } } }) => p.critical.identity['docker-reference'])
        .sort(),
    ).toEqual([`${registry.host}/team/two`, `${registry.host}/team/two:1`]);
  });

  it('signs an index and every child with --recursive', async () => {
    const index = await pushIndex(registry.url, 'team/multi:2', creds);
    expect((await signet(['sign', '--key', first.key, '--recursive', `${registry.host}/team/multi:2`, ...auth])).code).toBe(0);
    expect((await signet(['verify', '--key', first.pub, `${registry.host}/team/multi:2`, ...auth])).code).toBe(0);
    for (const child of index.children) {
      const res = await signet(['verify', '--key', first.pub, `${registry.host}/team/multi@${child}`, ...auth]);
      expect(res.code).toBe(0);
      expect(JSON.parse(res.stdout)[0].critical.image['docker-manifest-digest']).toBe(child);
    }
  });

  it('rejects a signature copied onto another digest', async () => {
    const signedDigest = await pushImage(registry.url, 'team/copy:a', creds);
    const otherDigest = await pushImage(registry.url, 'team/copy:b', creds);
    expect((await signet(['sign', '--key', first.key, `${registry.host}/team/copy:a`, ...auth])).code).toBe(0);
    const sig = await client.getManifest('team/copy', signatureTag(signedDigest));
    await client.putManifest('team/copy', signatureTag(otherDigest), sig.bytes, sig.mediaType);
    const res = await signet(['verify', '--key', first.pub, `${registry.host}/team/copy:b`, ...auth]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('no matching signatures');
    expect(res.stderr).toContain('DIGEST_MISMATCH');
  });

  it('verifies a signature beside a layer whose blob is over the size limit, reporting that layer unreadable', async () => {
    const digest = await pushImage(registry.url, 'team/poisoned:1', creds);
    const image = `${registry.host}/team/poisoned:1`;
    expect((await signet(['sign', '--key', first.key, image, ...auth])).code).toBe(0);
    // Whoever can push can add a layer to the .sig; the verifier and signet verify read it as data, not a failure.
    const big = Buffer.alloc(4 * 1024 * 1024 + 1, 0x20);
    await client.uploadBlob('team/poisoned', big);
    const layers = parseImageManifest((await client.getManifest('team/poisoned', signatureTag(digest))).bytes).layers;
    const sig = signatureImage([
      { mediaType: SIMPLE_SIGNING, size: big.length, digest: digestOf(big), annotations: { [SIGNATURE_ANNOTATION]: 'MEUC' } },
      ...layers,
    ]);
    await client.uploadBlob('team/poisoned', sig.config);
    await client.putManifest('team/poisoned', signatureTag(digest), sig.manifest, sig.mediaType);
    const res = await signet(['verify', '--key', first.pub, image, ...auth]);
    expect(res.code).toBe(0);
    expect(res.stderr).toContain('unreadable: ARTIFACT_TOO_LARGE');
  });

  it('fails with the registry error code when the registry password is wrong', async () => {
    await pushImage(registry.url, 'team/auth:1', creds);
    const res = await signet([
      'sign',
      '--key',
      first.key,
      `${registry.host}/team/auth:1`,
      '--allow-insecure-registry',
      '--registry-username',
      USER,
      '--registry-password',
      'wrong',
    ]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('REGISTRY_UNAUTHORIZED');
  });

  it('signs and verifies with registry credentials from a Docker credential helper (DOCKER_CONFIG)', async () => {
    const digest = await pushImage(registry.url, 'team/helper:1', creds);
    const docker = path.join(home, 'docker');
    const bin = path.join(home, 'bin');
    mkdirSync(docker, { recursive: true });
    mkdirSync(bin, { recursive: true });
    writeFileSync(path.join(docker, 'config.json'), JSON.stringify({ credHelpers: { [registry.host]: 'signet-cli-test' } }));
    writeCredentialHelper(bin, 'signet-cli-test', { server: registry.host, ...creds });
    const env = { DOCKER_CONFIG: docker, PATH: `${bin}:${process.env.PATH}` };
    const image = `${registry.host}/team/helper:1`;
    expect(await signet(['sign', '--key', first.key, image, '--allow-insecure-registry'], env)).toMatchObject({ code: 0 });
    const ok = await signet(['verify', '--key', first.pub, image, '--allow-insecure-registry'], env);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)[0].critical.image['docker-manifest-digest']).toBe(digest);
    // Without the helper on PATH the command says which helper is missing.
    const missing = await signet(['verify', '--key', first.pub, image, '--allow-insecure-registry'], { DOCKER_CONFIG: docker });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`Error: docker-credential-signet-cli-test get for ${registry.host}: not found on PATH\n`);
  });
});
