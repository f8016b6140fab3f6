// The CLI as scripts use it: cosign's script flags, machine-readable output, and exit codes a pipeline can gate on.
import { writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import { generateCosignKeyPair } from '@signet/crypto';
import { signatureTag } from '@signet/oci';
import { RegistryClient } from '@signet/registry';
import { TagStore } from '@signet/verification';
import { Redis } from 'ioredis';
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
  writeKeyPair,
  type RedisServer,
  type RegistryServer,
} from '@signet/testing';

const KEY_PASSWORD = 'key-pw';
const dir = makeTempDir('scripts');
let redis: RedisServer;
let registry: RegistryServer;
let client: RegistryClient;

const signet = signetIn(dir, {
  COSIGN_PASSWORD: KEY_PASSWORD,
  SIGNET_REGISTRY_USERNAME: CI_BOT.username,
  SIGNET_REGISTRY_PASSWORD: CI_BOT.password,
});

/** Whether any signature tag exists for the digest (a refused sign must write nothing). */
async function hasSignature(repo: string, digest: string): Promise<boolean> {
  return (await client.findManifest(repo, signatureTag(digest))) !== undefined;
}

beforeAll(async () => {
  ({ redis, registry } = await startRedisAndRegistry());
  client = new RegistryClient(registryClientOptions(registry));
  const { pub } = writeKeyPair(dir, 'cosign', await generateCosignKeyPair(KEY_PASSWORD));
  writeFileSync(path.join(dir, 'blob.txt'), 'release notes\n');
  writeConfigFile({ redis: { url: redis.url }, registries: [registryEntry(registry)], verifier: { keys: [pub], gracePeriod: '0s' } }, dir);
});
afterAll(async () => {
  await client?.close();
  await Promise.all([redis?.teardown(), registry?.teardown()]);
  removeDir(dir);
});

describe("cosign's script flags", () => {
  it('runs `sign --key k --tlog-upload=false -y IMAGE` and `verify --insecure-ignore-tlog --output json` unchanged', async () => {
    const digest = await pushImage(registry.url, 'team/app:1.0.0', CI_BOT);
    const image = `${registry.host}/team/app:1.0.0`;
    const signed = await signet(['sign', '--key', 'cosign.key', '--tlog-upload=false', '-y', '--allow-insecure-registry=true', image]);
    expect(signed).toMatchObject({ code: 0 });

    const json = await signet([
      'verify',
      '--key',
      'cosign.pub',
      '--insecure-ignore-tlog',
      '--output',
      'json',
      '--allow-insecure-registry',
      image,
    ]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual([
      expect.objectContaining({ critical: expect.objectContaining({ image: { 'docker-manifest-digest': digest } }) }),
    ]);

    // pflag's `--flag=value` spelling of every boolean, and cosign's text output: each verified payload on a line.
    const text = await signet([
      'verify',
      '--key=cosign.pub',
      '--insecure-ignore-tlog=true',
      '--check-claims=true',
      '-o',
      'text',
      '--allow-insecure-registry=true',
      image,
    ]);
    expect(text.code).toBe(0);
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string).critical.image['docker-manifest-digest']).toBe(digest);
  });

  it('refuses --tlog-upload=true (Signet writes no transparency log) as a usage error, before writing anything', async () => {
    const digest = await pushImage(registry.url, 'team/tlog:1', CI_BOT);
    const image = `${registry.host}/team/tlog:1`;
    for (const flag of ['--tlog-upload=true', '--tlog-upload', '--tlog-upload=1']) {
      const r = await signet(['sign', '--key', 'cosign.key', flag, '-y', '--allow-insecure-registry', image]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/transparency log/);
    }
    expect((await signet(['sign', '--key', 'cosign.key', '--tlog-upload=maybe', '--allow-insecure-registry', image])).code).toBe(2);
    expect(await hasSignature('team/tlog', digest)).toBe(false);
  });

  it('takes the same flags on sign-blob and verify-blob', async () => {
    const sig = await signet(['sign-blob', '--key', 'cosign.key', '--tlog-upload=false', '--yes', 'blob.txt']);
    expect(sig.code).toBe(0);
    writeFileSync(path.join(dir, 'blob.sig'), sig.stdout);
    expect(
      await signet(['verify-blob', '--key', 'cosign.pub', '--signature', 'blob.sig', '--insecure-ignore-tlog=true', 'blob.txt']),
    ).toMatchObject({ code: 0, stdout: 'Verified OK\n' });
    expect((await signet(['sign-blob', '--key', 'cosign.key', '--tlog-upload=true', 'blob.txt'])).code).toBe(2);
  });

  it('refuses an output format it does not know', async () => {
    const r = await signet(['verify', '--key', 'cosign.pub', '--output', 'yaml', `${registry.host}/team/app:1.0.0`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/json, text/);
  });
});

describe('signet status and ack', () => {
  it('exits 1 while a violation stands, and 0 once it is acknowledged; the ack shows who, when and why', async () => {
    await pushImage(registry.url, 'team/svc:1.0.0', CI_BOT);
    await pushImage(registry.url, 'team/svc:2.0.0', CI_BOT);
    const image = (tag: string) => `${registry.host}/team/svc:${tag}`;
    for (const tag of ['1.0.0', '2.0.0'])
      expect(
        (await signet(['sign', '--key', 'cosign.key', '--tlog-upload=false', '-y', '--allow-insecure-registry', image(tag)])).code,
      ).toBe(0);
    expect((await signet(['scan', '--repository', 'team/svc'])).code).toBe(0);
    expect(await signet(['status'])).toMatchObject({ code: 0, stdout: 'no violations\n' });

    // mallory overwrites both tags; the verifier's own checks (run by scan) record the violations in Redis.
    const bad1 = await pushImage(registry.url, 'team/svc:1.0.0', MALLORY);
    const bad2 = await pushImage(registry.url, 'team/svc:2.0.0', MALLORY);
    expect((await signet(['scan', '--repository', 'team/svc', '--output', 'json'])).code).toBe(1);

    const standing = await signet(['status']);
    expect(standing.code).toBe(1);
    expect(standing.stdout).toContain(`local/team/svc:1.0.0  ${bad1}  unsigned`);
    const json = await signet(['status', '--output', 'json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual([
      expect.objectContaining({ status: 'violation', tag: '1.0.0', digest: bad1 }),
      expect.objectContaining({ status: 'violation', tag: '2.0.0', digest: bad2 }),
    ]);

    const before = Date.now();
    const ack = await signet(['ack', '--reason', 'rebuilt by hand during INC-42', '--by', 'alice', 'local/team/svc:1.0.0']);
    expect(ack).toMatchObject({ code: 0, stdout: `acknowledged local/team/svc:1.0.0 at ${bad1}\n` });
    expect((await signet(['status'])).code).toBe(1); // 2.0.0 still stands
    expect((await signet(['ack', 'local/team/svc:2.0.0'])).code).toBe(0);

    const cleared = await signet(['status', '-o', 'json']);
    expect(cleared.code).toBe(0);
    const rows = JSON.parse(cleared.stdout) as Array<{
      status: string;
      tag: string;
      digest: string;
      acknowledgement: { by: string; at: string; reason?: string };
    }>;
    expect(rows).toEqual([
      expect.objectContaining({
        status: 'acknowledged',
        tag: '1.0.0',
        digest: bad1,
        acknowledgement: expect.objectContaining({ by: 'alice', reason: 'rebuilt by hand during INC-42' }),
      }),
      expect.objectContaining({
        status: 'acknowledged',
        tag: '2.0.0',
        digest: bad2,
        acknowledgement: expect.objectContaining({ by: userInfo().username }),
      }),
    ]);
    const at = Date.parse(rows[0]?.acknowledgement.at ?? '');
    expect(at).toBeGreaterThanOrEqual(before - 1000);
    expect(at).toBeLessThanOrEqual(Date.now());
    expect(rows[1]?.acknowledgement).not.toHaveProperty('reason');

    const text = await signet(['status']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^no violations\n/);
    expect(text.stdout).toMatch(
      new RegExp(`local/team/svc:1\\.0\\.0  ${bad1}  acknowledged by alice at \\S+Z: rebuilt by hand during INC-42`),
    );
  });

  it('exits 1 while only the trace of an earlier violation stands (it still alerts), and 0 once ack clears it', async () => {
    // A flash overwrite the verifier saw and that is gone from the tag: recorded through the TagStore API.
    const redisClient = new Redis(redis.url);
    try {
      await new TagStore(redisClient, '{signet}').recordTrace(
        { registry: 'local', repository: 'team/flash', tag: 'v1' },
        `sha256:${'f'.repeat(64)}`,
        'unsigned',
      );
    } finally {
      redisClient.disconnect();
    }
    const json = await signet(['status', '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toContainEqual(
      expect.objectContaining({ status: 'trace', repository: 'team/flash', tag: 'v1', reason: 'unsigned' }),
    );
    expect((await signet(['status'])).stdout).toMatch(
      /local\/team\/flash:v1 {2}sha256:f{64} {2}was on the tag without a valid signature \(unsigned\)/,
    );
    expect(await signet(['ack', '--reason', 'flash overwrite reviewed', 'local/team/flash:v1'])).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^cleared the traces of sha256:f{64}/),
    });
    expect((await signet(['status'])).code).toBe(0);
  });
});
