import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { digestOf, OCI_INDEX, OCI_MANIFEST } from '@signet/oci';
import { RegistryClient } from '../src';
import { makeTempDir, pushImage, pushIndex, removeDir, startRegistry, type RegistryServer } from '@signet/testing';
import { clientFor, collect, creds, PASSWORD, USER } from './helpers';

describe('RegistryClient against Distribution with htpasswd basic auth', () => {
  let registry: RegistryServer;
  let client: RegistryClient;

  beforeAll(async () => {
    registry = await startRegistry({ users: { [USER]: PASSWORD } });
    client = clientFor(registry, creds);
  });
  afterAll(async () => {
    await client.close();
    await registry.teardown();
  });

  it('resolves a tag to the digest of an OCI manifest, by GET and by HEAD', async () => {
    const digest = await pushImage(registry.url, 'team/app:1.0.0', creds);
    const got = await client.getManifest('team/app', '1.0.0');
    expect(got.digest).toBe(digest);
    expect(got.mediaType).toBe(OCI_MANIFEST);
    expect(digestOf(got.bytes)).toBe(digest);
    expect((await client.headManifest('team/app', '1.0.0')).digest).toBe(digest);
    expect(await client.resolve('team/app', digest)).toBe(digest);
  });

  it('resolves a tag that points to an index', async () => {
    const index = await pushIndex(registry.url, 'team/multi:1', creds);
    const got = await client.getManifest('team/multi', '1');
    expect(got).toMatchObject({ digest: index.digest, mediaType: OCI_INDEX });
    expect((await client.headManifest('team/multi', '1')).mediaType).toBe(OCI_INDEX);
  });

  it('maps an unknown tag to MANIFEST_UNKNOWN and findManifest to undefined', async () => {
    await pushImage(registry.url, 'team/app:present', creds);
    await expect(client.getManifest('team/app', 'absent')).rejects.toMatchObject({ code: 'MANIFEST_UNKNOWN', retryable: false });
    await expect(client.headManifest('team/app', 'absent')).rejects.toMatchObject({ code: 'MANIFEST_UNKNOWN' });
    expect(await client.findManifest('no/such-repo', 'x')).toBeUndefined();
  });

  it('lists tags page by page through Link headers', async () => {
    const tags = ['a1', 'a2', 'a3', 'a4', 'a5'];
    for (const t of tags) await pushImage(registry.url, `paged/tags:${t}`, creds);
    // Distribution 2.8 pages in storage order, not sorted: compare as sets, each tag exactly once.
    const listed = await collect(client.tags('paged/tags', { pageSize: 2 }));
    expect([...listed].sort()).toEqual(tags);
  });

  it('walks the catalog page by page', async () => {
    for (const r of ['cat/r1', 'cat/r2', 'cat/r3']) await pushImage(registry.url, `${r}:t`, creds);
    const all = await collect(client.catalog({ pageSize: 2 }));
    expect(all).toEqual(expect.arrayContaining(['cat/r1', 'cat/r2', 'cat/r3']));
    expect(new Set(all).size).toBe(all.length);
  });

  it('uploads a blob once, mounts it into another repository, and reads it back', async () => {
    const data = randomBytes(3000);
    expect((await client.uploadBlob('blobs/one', data)).how).toBe('uploaded');
    expect((await client.uploadBlob('blobs/one', data)).how).toBe('existed');
    expect((await client.uploadBlob('blobs/two', data, { mountFrom: 'blobs/one' })).how).toBe('mounted');
    expect((await client.getBlob('blobs/two', digestOf(data))).equals(data)).toBe(true);
    await expect(client.getBlob('blobs/two', digestOf(data), 100)).rejects.toMatchObject({ code: 'TOO_LARGE' });
  });

  it('rejects a wrong password with REGISTRY_UNAUTHORIZED', async () => {
    const bad = clientFor(registry, { username: USER, password: 'wrong' });
    await expect(bad.getManifest('team/app', '1.0.0')).rejects.toMatchObject({ code: 'REGISTRY_UNAUTHORIZED', retryable: false });
    const anonymous = clientFor(registry);
    await expect(anonymous.ping()).rejects.toMatchObject({ code: 'REGISTRY_UNAUTHORIZED' });
    await Promise.all([bad.close(), anonymous.close()]);
  });

  it('takes credentials from a Docker config.json', async () => {
    const dir = makeTempDir('dockercfg');
    try {
      const file = join(dir, 'config.json');
      writeFileSync(file, JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from(`${USER}:${PASSWORD}`).toString('base64') } } }));
      const fromConfig = new RegistryClient({ name: 'cfg', url: registry.url, insecure: true, dockerConfig: file });
      await fromConfig.ping();
      expect(fromConfig['transport'].credentials?.username).toBe(USER);
      await fromConfig.close();
    } finally {
      removeDir(dir);
    }
  });

  it('falls back to the referrers tag schema where the registry has no referrers API', async () => {
    const digest = await pushImage(registry.url, 'team/ref:1', creds);
    expect(await client.referrers('team/ref', digest)).toEqual({ manifests: [], via: 'tag', bytes: 0 });
  });

  it('tells that Distribution 2.8 has no referrers API, so its tag listing shows every referrer', async () => {
    const fresh = clientFor(registry, creds);
    try {
      await pushImage(registry.url, 'team/probe:1', creds);
      expect(await fresh.hasReferrersApi('team/probe')).toBe(false);
      expect(await fresh.hasReferrersApi('team/other')).toBe(false);
    } finally {
      await fresh.close();
    }
  });

  it('refuses plain http unless insecure is set', () => {
    expect(() => new RegistryClient({ name: 'x', url: registry.url })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});

describe('RegistryClient against Distribution without auth', () => {
  let registry: RegistryServer;
  let client: RegistryClient;
  beforeAll(async () => {
    registry = await startRegistry();
    client = clientFor(registry);
  });
  afterAll(async () => {
    await client.close();
    await registry.teardown();
  });

  it('works anonymously: push by the client, resolve, list', async () => {
    const digest = await pushImage(registry.url, 'open/app:v1');
    expect(await client.resolve('open/app', 'v1')).toBe(digest);
    const config = Buffer.from('{}');
    await client.uploadBlob('open/app', config);
    expect(await client.blobExists('open/app', digestOf(config))).toBe(true);
    expect(await collect(client.tags('open/app'))).toEqual(['v1']);
  });
});

describe('hasReferrersApi against a registry that serves the referrers API', () => {
  // Debian's Distribution 2.8 has no referrers API, so this one endpoint is answered by a small HTTP server
  // the way the OCI distribution spec requires (200 and an empty index for a digest with no referrers).
  it('says so, and asks only once per client', async () => {
    const { createServer } = await import('node:http');
    const asked: string[] = [];
    const server = createServer((req, res) => {
      asked.push(req.url ?? '');
      if (req.url?.includes('/referrers/')) {
        res.writeHead(200, { 'content-type': OCI_INDEX }).end(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] }));
      } else res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const client = new RegistryClient({ name: 'api', url: `http://127.0.0.1:${port}`, insecure: true, dockerConfig: false });
    try {
      expect(await client.hasReferrersApi('team/app')).toBe(true);
      expect(await client.hasReferrersApi('team/app')).toBe(true);
      expect(asked.filter((u) => u.includes('/referrers/'))).toEqual([`/v2/team/app/referrers/sha256:${'0'.repeat(64)}`]);
    } finally {
      await client.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
