import { pushImage, startFaultProxy, startRegistry, type FaultProxy, type RegistryServer } from '@signet/testing';
import type { RegistryClient } from '../src';
import { clientFor, creds, PASSWORD, USER } from './helpers';

const isManifestGet = (method: string | undefined, url: string | undefined, ref: string) =>
  method === 'GET' && url?.endsWith(`/manifests/${ref}`);

describe('retries and integrity checks through a fault-injecting proxy', () => {
  let registry: RegistryServer;
  let proxy: FaultProxy;
  let client: RegistryClient;
  let digest: string;

  beforeAll(async () => {
    registry = await startRegistry({ users: { [USER]: PASSWORD } });
    digest = await pushImage(registry.url, 'faults/app:1', creds);
  });
  beforeEach(async () => {
    proxy = await startFaultProxy(registry.url);
    client = clientFor(proxy, { ...creds, retries: 3 });
    // Learn the auth scheme first so request counts below are not inflated by the 401 challenge.
    await client.ping();
  });
  afterEach(async () => {
    await client.close();
    await proxy.close();
  });
  afterAll(() => registry.teardown());

  it('waits for Retry-After on a 429, then succeeds', async () => {
    proxy.fault = (req, nth) =>
      isManifestGet(req.method, req.url, '1') && nth === 0
        ? {
            kind: 'respond',
            status: 429,
            headers: { 'retry-after': '1' },
            body: '{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}',
          }
        : undefined;
    const started = Date.now();
    expect(await client.resolve('faults/app', '1')).toBe(digest);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('retries 503 responses with backoff', async () => {
    proxy.fault = (req, nth) =>
      isManifestGet(req.method, req.url, '1') && nth < 2 ? { kind: 'respond', status: 503, body: 'busy' } : undefined;
    expect(await client.resolve('faults/app', '1')).toBe(digest);
    expect(proxy.seen.filter((s) => isManifestGet(s.method, s.path, '1'))).toHaveLength(3);
  });

  it('retries reset connections', async () => {
    proxy.fault = (req, nth) => (isManifestGet(req.method, req.url, '1') && nth < 2 ? { kind: 'reset' } : undefined);
    expect(await client.resolve('faults/app', '1')).toBe(digest);
  });

  it('gives up after the configured retries with a retryable error', async () => {
    proxy.fault = (req) => (isManifestGet(req.method, req.url, '1') ? { kind: 'respond', status: 503 } : undefined);
    await expect(client.resolve('faults/app', '1')).rejects.toMatchObject({ code: 'REGISTRY_UNAVAILABLE', retryable: true });
    expect(proxy.seen.filter((s) => isManifestGet(s.method, s.path, '1'))).toHaveLength(4);
  });

  it('rejects a lying Docker-Content-Digest once, without retrying', async () => {
    proxy.fault = (req) => (isManifestGet(req.method, req.url, '1') ? { kind: 'lie-digest' } : undefined);
    await expect(client.resolve('faults/app', '1')).rejects.toMatchObject({ code: 'DIGEST_MISMATCH', retryable: false });
    expect(proxy.forwardedCount('GET', '/manifests/1')).toBe(1);
  });

  it('does not retry a 404', async () => {
    await expect(client.getManifest('faults/app', 'missing')).rejects.toMatchObject({ code: 'MANIFEST_UNKNOWN' });
    expect(proxy.seen.filter((s) => s.path.endsWith('/manifests/missing'))).toHaveLength(1);
  });

  it('finds a blob whose upload PUT reached the registry before the connection dropped', async () => {
    proxy.fault = (req, nth) =>
      req.method === 'PUT' && req.url?.includes('/blobs/uploads/') && nth === 0 ? { kind: 'forward-then-reset' } : undefined;
    const data = Buffer.from(`blob ${Date.now()}`);
    expect((await client.uploadBlob('faults/app', data)).how).toBe('uploaded');
    expect(proxy.forwardedCount('PUT', '/blobs/uploads/')).toBeLessThanOrEqual(2);
    expect(await client.blobExists('faults/app', (await client.uploadBlob('faults/app', data)).digest)).toBe(true);
  });
});
