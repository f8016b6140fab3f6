import { signatureTag } from '@signet/oci';
import type { RegistryClient } from '@signet/registry';
import { pushImage, startFaultProxy, startRegistry, type FaultProxy, type RegistryServer } from '@signet/testing';
import { SignatureStore } from '../src';
import { clientFor, creds, PASSWORD, USER } from './helpers';

describe('SignatureStore through a fault-injecting proxy', () => {
  let registry: RegistryServer;
  let proxy: FaultProxy;
  let client: RegistryClient;

  beforeAll(async () => {
    registry = await startRegistry({ users: { [USER]: PASSWORD } });
    proxy = await startFaultProxy(registry.url);
    client = clientFor(proxy, { ...creds, retries: 3 });
    // Learn the auth scheme first so request counts below are not inflated by the 401 challenge.
    await client.ping();
  });
  afterAll(async () => {
    await client.close();
    await proxy.close();
    await registry.teardown();
  });

  it('writes a signature once despite 503s and resets on its uploads and manifest PUT', async () => {
    const target = await pushImage(registry.url, 'faults/app:sig', creds);
    const tag = signatureTag(target);
    proxy.fault = (req, nth) => {
      if (req.method === 'PUT' && req.url?.endsWith(`/manifests/${tag}`) && nth === 0) return { kind: 'respond', status: 503 };
      if (req.method === 'PUT' && req.url?.includes('/manifests/') && nth === 1) return { kind: 'reset' };
      if (req.method === 'POST' && req.url?.includes('/blobs/uploads/') && nth === 0) return { kind: 'reset' };
      if (req.method === 'PUT' && req.url?.includes('/blobs/uploads/') && nth === 0) return { kind: 'respond', status: 502 };
      return undefined;
    };
    const store = new SignatureStore(client, { settleMs: 10 });
    const payload = Buffer.from(`{"critical":{"image":{"docker-manifest-digest":"${target}"}},"optional":null}`);
    expect((await store.append('faults/app', target, { payload, signature: 'MEUCIQ==' })).status).toBe('appended');
    expect(proxy.forwardedCount('PUT', `/manifests/${tag}`)).toBe(1);
    expect(await store.list('faults/app', target)).toHaveLength(1);
    expect((await store.append('faults/app', target, { payload, signature: 'MEUCIQ==' })).status).toBe('exists');
    expect(proxy.forwardedCount('PUT', `/manifests/${tag}`)).toBe(1);
  });
});
