import { networkInterfaces } from 'node:os';
import { startRedis, waitFor, type RedisServer } from '@signet/testing';
import { startTestReceiver } from './helpers';

const DASH = 'dashboard-password-0123456789';
const basic = (user: string, password: string) => ({ authorization: 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64') });
const dashboard = (extra: Record<string, unknown> = {}) => ({
  dashboard: { enabled: true, username: 'ops', passwordEnv: 'DASH', ...extra },
});

/** A non-loopback IPv4 address of this machine, to be a client from beyond the pod. */
const outsideAddress = (): string | undefined =>
  Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

describe('the receiver public port and ops port', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.teardown();
  });

  it('answers 404 JSON on the public port for everything but /webhooks/, even with the dashboard on', async () => {
    const receiver = await startTestReceiver(redis.url, { ops: { port: 0, host: '127.0.0.1' }, ...dashboard() }, { DASH });
    try {
      const auth = basic('ops', DASH);
      for (const path of ['/metrics', '/healthz', '/readyz', '/admin/queues', '/admin/queues/api/queues', '/']) {
        const res = await fetch(`${receiver.url}${path}`, { headers: auth });
        expect([path, res.status]).toEqual([path, 404]);
        expect(await res.json()).toEqual({ error: 'not found', details: [] });
      }
    } finally {
      await receiver.close();
    }
  });

  it('serves /metrics, /healthz and /readyz on the ops port, whether or not the dashboard is on', async () => {
    const receiver = await startTestReceiver(redis.url, { ops: { port: 0, host: '127.0.0.1' } });
    try {
      expect(receiver.ops.port).not.toBe(receiver.port);
      expect((await fetch(`${receiver.ops.url}/healthz`)).status).toBe(200);
      const ready = await fetch(`${receiver.ops.url}/readyz`);
      expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready' }]);
      const text = await (await fetch(`${receiver.ops.url}/metrics`)).text();
      expect(text).toContain('signet_build_info{service="webhook-receiver"');
      expect(text).toContain('signet_queue_jobs{queue="signet.push",state="waiting"}');
      // Off unless configured.
      expect((await fetch(`${receiver.ops.url}/admin/queues`)).status).toBe(404);
      // Webhooks are not served on the ops port.
      expect((await fetch(`${receiver.ops.url}/webhooks/distribution`, { method: 'POST', body: '{}' })).status).toBe(404);
    } finally {
      await receiver.close();
    }
  });

  it('reports not ready on the ops port while Redis is unreachable', async () => {
    const down = await startRedis();
    const receiver = await startTestReceiver(down.url, { ops: { port: 0, host: '127.0.0.1' } });
    try {
      const readyz = async () => (await fetch(`${receiver.ops.url}/readyz`)).status;
      await waitFor(async () => (await readyz()) === 200, 10_000, 'ready with Redis up');
      await down.teardown();
      await waitFor(async () => (await readyz()) === 503, 10_000, 'not ready with Redis down');
      expect((await fetch(`${receiver.ops.url}/healthz`)).status).toBe(200);
    } finally {
      await receiver.close();
      await down.teardown();
    }
  });

  it('serves bull-board read-only at /admin/queues on the ops port, behind basic auth', async () => {
    const receiver = await startTestReceiver(redis.url, { ops: { port: 0, host: '127.0.0.1' }, ...dashboard() }, { DASH });
    try {
      const admin = `${receiver.ops.url}/admin/queues`;
      const anonymous = await fetch(admin);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toContain('Basic');
      expect((await fetch(admin, { headers: basic('ops', 'nope') })).status).toBe(401);
      const auth = basic('ops', DASH);
      expect((await fetch(admin, { headers: auth })).status).toBe(200);
      const api = await fetch(`${admin}/api/queues`, { headers: auth });
      const queues = ((await api.json()) as { queues: Array<{ name: string; readOnlyMode: boolean }> }).queues;
      expect(queues.map((q) => q.name).sort()).toEqual(['signet.push', 'signet.rescan', 'signet.verify']);
      expect(queues.every((q) => q.readOnlyMode)).toBe(true);
      const add = await fetch(`${admin}/api/queues/signet.push/add`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: '{"name":"push","data":{}}',
      });
      expect(add.status).toBe(405);
      expect((await fetch(`${admin}/api/queues/signet.push/pause`, { method: 'PUT', headers: auth })).status).toBe(405);
      expect(await receiver.queue.count()).toBe(0);
      expect(await receiver.queue.isPaused()).toBe(false);
    } finally {
      await receiver.close();
    }
  });

  it('answers the dashboard to loopback clients only unless allowRemote, while probes and scrapes reach the ops port', async () => {
    const outside = outsideAddress();
    expect(outside).toBeDefined();
    const auth = basic('ops', DASH);
    const local = await startTestReceiver(redis.url, { ops: { port: 0, host: '0.0.0.0' }, ...dashboard() }, { DASH });
    try {
      const remote = `http://${outside}:${local.ops.port}`;
      expect((await fetch(`${remote}/readyz`)).status).toBe(200);
      expect((await fetch(`${remote}/metrics`)).status).toBe(200);
      const refused = await fetch(`${remote}/admin/queues`, { headers: auth });
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as { error: string }).error).toMatch(/loopback/);
      expect((await fetch(`${local.ops.url}/admin/queues`, { headers: auth })).status).toBe(200);
    } finally {
      await local.close();
    }
    const open = await startTestReceiver(redis.url, { ops: { port: 0, host: '0.0.0.0' }, ...dashboard({ allowRemote: true }) }, { DASH });
    try {
      const remote = `http://${outside}:${open.ops.port}/admin/queues`;
      expect((await fetch(remote)).status).toBe(401);
      expect((await fetch(remote, { headers: auth })).status).toBe(200);
    } finally {
      await open.close();
    }
  });
});
