// `signet resign` against a real registry and Redis, run as the CLI process: what the signer's records vouch for
// is re-signed with the new key, what they do not is left for a human.
import path from 'node:path';
import {
  generateCosignKeyPair,
  loadPrivateKeyPem,
  PublicKeySet,
  signingKeyFromPrivateKey,
  verifyDsseStatement,
  verifySignatureLayers,
  type SigningKey,
} from '@signet/crypto';
import { RegistryClient } from '@signet/registry';
import { DigestLock } from '@signet/queue';
import { signDigest, SignatureStore } from '@signet/signatures';
import {
  CI_BOT,
  makeTempDir,
  MALLORY,
  pushImage,
  registryClientOptions,
  registryEntry,
  removeDir,
  signetIn,
  startFaultProxy,
  startRedisAndRegistry,
  writeConfigFile,
  writeKeyPair,
  type CliResult,
  type RedisServer,
  type RegistryServer,
} from '@signet/testing';
import { SigningRecords } from '@signet/verification';
import { Redis } from 'ioredis';

const PASSWORD = 'pw';
const PREFIX = '{rs}';
const dir = makeTempDir('resign');
const file = (name: string) => path.join(dir, name);
let redis: RedisServer;
let registry: RegistryServer;
let conn: Redis;
let client: RegistryClient;
let store: SignatureStore;
let records: SigningRecords;
let oldKey: SigningKey;
let newKey: SigningKey;
let otherKey: SigningKey;

interface Report {
  digests: Array<{ repository: string; digest: string; outcome: string; tags: string[]; removedOld?: number; keptOldBundles?: number }>;
}

async function keyPair(name: string): Promise<SigningKey> {
  const files = await generateCosignKeyPair(PASSWORD, { params: { N: 32768, r: 8, p: 1 } });
  writeKeyPair(dir, name, files);
  return signingKeyFromPrivateKey(await loadPrivateKeyPem(files.privateKeyPem, PASSWORD));
}

const signet = signetIn(dir, { COSIGN_PASSWORD: PASSWORD });
const resign = (args: string[]) => signet(['resign', '--from', file('old.pub'), ...args]);
const report = (r: CliResult) => JSON.parse(r.stdout) as Report;
const outcomeOf = (r: Report, digest: string) => r.digests.find((d) => d.digest === digest);

/** Pushes `ref` (as `pusher`), signs it with `key` in `layout`, and records it as a trusted push when `trusted`. */
async function image(
  ref: string,
  opts: { key?: SigningKey; trusted?: boolean; layout?: 'sig' | 'bundle'; pusher?: typeof CI_BOT },
): Promise<string> {
  const [repository = '', tag = ''] = ref.split(':');
  const digest = await pushImage(registry.url, ref, opts.pusher ?? CI_BOT);
  const identity = `${registry.host}/${repository}:${tag}`;
  if (opts.key) await signDigest(store, opts.key, { repository, digest, dockerReference: identity }, { layout: opts.layout ?? 'sig' });
  if (opts.trusted)
    await records.record('local', repository, digest, {
      actor: 'ci-bot',
      at: Date.now(),
      key: oldKey.fingerprint.short,
      pushJobId: `job-${tag}`,
      identity,
    });
  return digest;
}

/** Signatures of `digest` by `key`, per layout. */
async function signedBy(key: SigningKey, repository: string, digest: string): Promise<{ sig: number; bundle: number }> {
  const found = await store.list(repository, digest);
  const keys = PublicKeySet.fromKeyObjects([key.publicKey]);
  const sig = found
    .flatMap((s) => (s.kind === 'simple-signing' ? [s] : []))
    .filter((s) => verifySignatureLayers([s], { keys, expectedDigest: digest }).ok).length;
  const bundle = found
    .flatMap((s) => (s.kind === 'bundle' ? [s] : []))
    .filter((b) => verifyDsseStatement(b.envelope, keys, digest).ok).length;
  return { sig, bundle };
}

beforeAll(async () => {
  ({ redis, registry } = await startRedisAndRegistry());
  [oldKey, newKey, otherKey] = await Promise.all([keyPair('old'), keyPair('new'), keyPair('other')]);
  conn = new Redis(redis.url);
  records = new SigningRecords(conn, PREFIX);
  client = new RegistryClient(registryClientOptions(registry));
  store = new SignatureStore(client);
  writeConfigFile(
    {
      redis: { url: redis.url, prefix: PREFIX },
      registries: [registryEntry(registry)],
      signer: { key: { path: file('new.key'), passwordEnv: 'COSIGN_PASSWORD' } },
      verifier: { keys: [file('new.pub'), file('old.pub')] },
    },
    dir,
  );
});
afterAll(async () => {
  await client?.close();
  conn?.disconnect();
  await Promise.all([redis?.teardown(), registry?.teardown()]);
  removeDir(dir);
});

describe('signet resign', () => {
  it('re-signs recorded digests the old key signed, lists the unrecorded ones for a human, and changes nothing on a second run', async () => {
    const trusted = await image('team/a:1', { key: oldKey, trusted: true });
    const stolen = await image('team/a:evil', { key: oldKey, pusher: MALLORY });
    const unsignedByOld = await image('team/a:other', { key: otherKey, trusted: true });

    const dry = await resign(['--repository', 'team/a', '--dry-run', '-o', 'json']);
    expect(dry.code).toBe(3);
    expect(outcomeOf(report(dry), trusted)?.outcome).toBe('would-resign');
    expect(await signedBy(newKey, 'team/a', trusted)).toEqual({ sig: 0, bundle: 0 });

    const run = await resign(['--repository', 'team/a', '-o', 'json']);
    expect(run.code).toBe(3);
    const first = report(run);
    expect(outcomeOf(first, trusted)).toMatchObject({ repository: 'team/a', outcome: 'resigned', tags: ['1'] });
    expect(outcomeOf(first, stolen)).toMatchObject({ outcome: 'left-for-human', tags: ['evil'] });
    expect(outcomeOf(first, unsignedByOld)).toBeUndefined();
    expect(await signedBy(newKey, 'team/a', trusted)).toEqual({ sig: 1, bundle: 0 });
    expect(await signedBy(oldKey, 'team/a', trusted)).toEqual({ sig: 1, bundle: 0 });
    expect(await signedBy(newKey, 'team/a', stolen)).toEqual({ sig: 0, bundle: 0 });
    // Non-TTY progress: one JSON line per digest on stderr.
    const progress = run.stderr
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { progress: { done: number; total: number } });
    expect(progress.at(-1)?.progress).toEqual({ done: 3, total: 3 });

    const again = await resign(['--repository', 'team/a']);
    expect(again.code).toBe(3);
    expect(again.stdout).toContain(
      `re-signed 0 digest(s) signed by ${oldKey.fingerprint.short} with ${newKey.fingerprint.short}; 1 already signed`,
    );
    expect(again.stdout).toMatch(new RegExp(`left for a human: 1 digest.*\\n  local/team/a@${stolen}  tags: evil`));
    expect(await signedBy(newKey, 'team/a', trusted)).toEqual({ sig: 1, bundle: 0 });
  });

  it("with --remove-old drops only the old key's layers from trusted digests, once the new one is there", async () => {
    const trusted = await image('team/b:1', { key: oldKey, trusted: true });
    await signDigest(store, otherKey, { repository: 'team/b', digest: trusted, dockerReference: `${registry.host}/team/b:1` });
    const stolen = await image('team/b:evil', { key: oldKey, pusher: MALLORY });

    const run = await resign(['--repository', 'team/b', '--remove-old', '-o', 'json']);
    expect(run.code).toBe(3);
    expect(outcomeOf(report(run), trusted)).toMatchObject({ outcome: 'resigned', removedOld: 1 });
    expect(await signedBy(newKey, 'team/b', trusted)).toEqual({ sig: 1, bundle: 0 });
    expect(await signedBy(oldKey, 'team/b', trusted)).toEqual({ sig: 0, bundle: 0 });
    expect(await signedBy(otherKey, 'team/b', trusted)).toEqual({ sig: 1, bundle: 0 });
    expect(await signedBy(oldKey, 'team/b', stolen)).toEqual({ sig: 1, bundle: 0 });
    // Nothing by the old key is left on trusted digests: the digest is no longer the old key's business.
    expect(outcomeOf(report(await resign(['--repository', 'team/b', '--remove-old', '-o', 'json'])), trusted)).toBeUndefined();
  });

  it('re-signs a bundle by the old key with a bundle, removes the old bundle, and exits 0 when nothing is left for a human', async () => {
    const trusted = await image('team/c:1', { key: oldKey, trusted: true, layout: 'bundle' });
    const run = await resign(['--repository', 'team/c', '--key', file('new.key'), '--remove-old', '-o', 'json']);
    expect(run.code).toBe(0);
    const row = outcomeOf(report(run), trusted);
    expect(row).toMatchObject({ outcome: 'resigned', removedOld: 1 });
    expect(row?.keptOldBundles).toBeUndefined();
    expect(await signedBy(newKey, 'team/c', trusted)).toEqual({ sig: 0, bundle: 1 });
    expect(await signedBy(oldKey, 'team/c', trusted)).toEqual({ sig: 0, bundle: 0 });
    // The referrers read back cleanly: nothing dangling where the old bundle was.
    expect((await store.read('team/c', trusted)).rejected).toEqual([]);
  });

  it('finds an untagged digest the old key signed through its .sig tag: left for a human without a record, re-signed with one', async () => {
    const stolen = await image('team/e:1', { key: oldKey, pusher: MALLORY });
    const trusted = await image('team/e:2', { key: oldKey, trusted: true });
    const gone = await image('team/e:3', { key: oldKey, pusher: MALLORY });
    // The tags move on; the images stay in the registry, untagged, but for `gone`, deleted with its .sig left behind.
    for (const tag of ['1', '2']) await image(`team/e:${tag}`, {});
    await client.deleteManifest('team/e', gone);

    const run = await resign(['--repository', 'team/e', '-o', 'json']);
    expect(run.code).toBe(3);
    expect(outcomeOf(report(run), stolen)).toMatchObject({ outcome: 'left-for-human', tags: [] });
    expect(outcomeOf(report(run), trusted)).toMatchObject({ outcome: 'resigned', tags: [] });
    expect(outcomeOf(report(run), gone)).toBeUndefined();
    expect(await signedBy(newKey, 'team/e', trusted)).toEqual({ sig: 1, bundle: 0 });
    expect(await signedBy(newKey, 'team/e', stolen)).toEqual({ sig: 0, bundle: 0 });
    expect((await resign(['--repository', 'team/e'])).stdout).toContain(`  local/team/e@${stolen}  (untagged)\n`);
  });

  it('finds untagged digests with bundles by the old key through their referrers fallback tags, each once', async () => {
    const bundled = await image('team/f:1', { key: oldKey, pusher: MALLORY, layout: 'bundle' });
    // Signed in both layouts: its .sig tag and its sha256-<hex> tag both name it, and it is one digest to check.
    const both = await image('team/f:2', { key: oldKey, pusher: MALLORY, layout: 'bundle' });
    await signDigest(store, oldKey, { repository: 'team/f', digest: both, dockerReference: `${registry.host}/team/f:2` });
    for (const tag of ['1', '2']) await image(`team/f:${tag}`, {});

    const run = await resign(['--repository', 'team/f', '-o', 'json']);
    expect(run.code).toBe(3);
    expect(report(run).digests).toEqual(
      [bundled, both].sort().map((digest) => expect.objectContaining({ digest, outcome: 'left-for-human', tags: [] })),
    );
    const progress = JSON.parse(run.stderr.trim().split('\n').at(-1)!) as { progress: { done: number; total: number } };
    expect(progress.progress).toEqual({ done: 4, total: 4 });
  });

  it('finds an untagged digest through the tag history the verifier keeps, where no fallback tag names its bundle', async () => {
    // A registry with the referrers API lists a bundle only among its subject's referrers and tags nothing for it.
    // A proxy plays that for the listing: /tags/list without the sha256-<hex> fallback tags.
    const proxy = await startFaultProxy(registry.url);
    const home = makeTempDir('resign-history');
    try {
      const configure = (prefix: string) =>
        writeConfigFile(
          {
            redis: { url: redis.url, prefix },
            registries: [registryEntry(registry, { url: proxy.url })],
            signer: { key: { path: file('new.key'), passwordEnv: 'COSIGN_PASSWORD' } },
            verifier: { keys: [file('new.pub'), file('old.pub')] },
          },
          home,
        );
      configure(PREFIX);
      const viaProxy = signetIn(home, { COSIGN_PASSWORD: PASSWORD });
      const stolen = await image('team/h:1', { key: oldKey, pusher: MALLORY, layout: 'bundle' });
      // The verifier's view of the tag, through the same registry: the state remembers each digest the tag held.
      await viaProxy(['scan', '--repository', 'team/h']);
      await image('team/h:1', {}); // the tag moves on: `stolen` is untagged, and only the verifier's history names it
      await viaProxy(['scan', '--repository', 'team/h']);
      const tags: string[] = [];
      for await (const tag of client.tags('team/h')) tags.push(tag);
      expect(tags).toContain(`sha256-${stolen.slice('sha256:'.length)}`);
      const withoutFallback = JSON.stringify({ name: 'team/h', tags: tags.filter((t) => !t.startsWith('sha256-')) });
      proxy.fault = (req) =>
        req.method === 'GET' && req.url?.startsWith('/v2/team/h/tags/list')
          ? { kind: 'respond', status: 200, body: withoutFallback }
          : undefined;

      const run = await viaProxy(['resign', '--from', file('old.pub'), '--repository', 'team/h', '-o', 'json']);
      expect(run.code).toBe(3);
      expect(report(run).digests).toEqual([expect.objectContaining({ digest: stolen, outcome: 'left-for-human', tags: [] })]);
      // Without the verifier's state (another prefix) the listing alone cannot find it.
      configure('{rs-none}');
      const blind = await viaProxy(['resign', '--from', file('old.pub'), '--repository', 'team/h', '-o', 'json']);
      expect(blind.code).toBe(0);
      expect(report(blind).digests).toEqual([]);
    } finally {
      await proxy.close();
      removeDir(home);
    }
  });

  it('looks at digests without their lock, so a lock held elsewhere (a killed run, a signer) holds up only writes', async () => {
    const unsigned = await image('team/k:1', {});
    const stolen = await image('team/k:2', { key: oldKey, pusher: MALLORY });
    const trusted = await image('team/k:3', { key: oldKey, trusted: true });
    // Another holder keeps every one of these digests locked for 20 s (the TTL a killed run leaves behind).
    const lock = new DigestLock(conn, { prefix: PREFIX, ttlMs: 20_000 });
    const held = await Promise.all([unsigned, stolen, trusted].map((d) => lock.tryAcquire(lock.key('local', 'team/k', d))));
    expect(held.every((token) => token !== undefined)).toBe(true);

    const started = Date.now();
    const looked = await resign(['--repository', 'team/k', '--dry-run', '-o', 'json']);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(looked.code).toBe(3);
    expect(outcomeOf(report(looked), stolen)?.outcome).toBe('left-for-human');
    expect(outcomeOf(report(looked), trusted)?.outcome).toBe('would-resign');
    expect(outcomeOf(report(looked), unsigned)).toBeUndefined();

    // A write waits for the lock: released, the trusted digest is re-signed.
    await Promise.all(held.map((token, i) => lock.release(lock.key('local', 'team/k', [unsigned, stolen, trusted][i]!), token!)));
    const wrote = await resign(['--repository', 'team/k', '-o', 'json']);
    expect(outcomeOf(report(wrote), trusted)?.outcome).toBe('resigned');
  });

  it('paces its registry requests with --rate', async () => {
    for (let i = 0; i < 3; i++) await image(`team/d:${i}`, { key: oldKey, trusted: true });
    // A dry run reads only: catalog, tag list, a HEAD per tag and at least one read per digest, so 8 requests
    // or more, 2 of them at once (the burst), then 2 a second.
    const timed = async (rate: string) => {
      const started = Date.now();
      const run = await resign(['--repository', 'team/d', '--dry-run', '--rate', rate]);
      expect(run.stdout).toContain('would re-sign 3 digest(s)');
      return Date.now() - started;
    };
    const fast = await timed('1000');
    const slow = await timed('2');
    // 6 requests past the burst at 2 a second: 3 s more than the same run unpaced (process start-up aside).
    expect(slow - fast).toBeGreaterThanOrEqual(2500);
  });

  it('refuses the old key as the new one, and an unknown registry, as usage errors', async () => {
    expect((await resign(['--key', file('old.key')])).code).toBe(2);
    const unknown = await resign(['--registry', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no registry named "nope"');
  });

  it('names a pkcs11: key it cannot load without the pin-value its URI carries', async () => {
    const r = await resign(['--key', 'pkcs11:token=absent;object=k?module-path=/nonexistent/libabsent.so&pin-value=do-not-print-0042']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('pkcs11:token=absent');
    expect(r.stderr).not.toContain('do-not-print-0042');
  });
});
