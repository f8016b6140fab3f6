import { parseConfig } from '@signet/config';
import { startRedis, type RedisServer } from '@signet/testing';
import { startReceiver } from '../src/server';
import { silentLogger } from './helpers';

const DASH = 'dashboard-password-0123456789';

const config = (redisUrl: string, dashboard: Record<string, unknown>) =>
  parseConfig(
    {
      redis: { url: redisUrl },
      registries: [{ name: 'local', url: 'http://127.0.0.1:5000' }],
      receiver: { port: 0, host: '127.0.0.1', admin: { port: 0 }, dashboard: { username: 'ops', passwordEnv: 'DASH', ...dashboard } },
    },
    { env: { DASH } },
  );

const basic = (user: string, password: string) => ({ authorization: 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64') });

describe('queue dashboard', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.teardown();
  });

  it('serves bull-board read-only at /admin/queues on the admin listener, behind basic auth', async () => {
    const receiver = await startReceiver(config(redis.url, { enabled: true }), silentLogger());
    try {
      const admin = `${receiver.admin!.url}/admin/queues`;
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
      const add = await fetch(`${admin}/api/queues/signet.push/add`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"name":"push","data":{}}' });
      expect(add.status).toBe(405);
      expect(await receiver.queue.count()).toBe(0);
      // Not on the webhook listener.
      expect((await fetch(`${receiver.url}/admin/queues`, { headers: auth })).status).toBe(404);
    } finally {
      await receiver.close();
    }
  });

  it('goes on the webhook listener only when dangerouslyServeOnWebhookListener says so, still read-only', async () => {
    const receiver = await startReceiver(config(redis.url, { enabled: true, dangerouslyServeOnWebhookListener: true }), silentLogger());
    try {
      expect(receiver.admin).toBeUndefined();
      const auth = basic('ops', DASH);
      expect((await fetch(`${receiver.url}/admin/queues`, { headers: auth })).status).toBe(200);
      expect((await fetch(`${receiver.url}/admin/queues/api/queues/signet.push/pause`, { method: 'PUT', headers: auth })).status).toBe(405);
      expect(await receiver.queue.isPaused()).toBe(false);
    } finally {
      await receiver.close();
    }
  });

  it('is off unless configured', async () => {
    const receiver = await startReceiver(config(redis.url, { enabled: false }), silentLogger());
    try {
      expect(receiver.admin).toBeUndefined();
      expect((await fetch(`${receiver.url}/admin/queues`)).status).toBe(404);
    } finally {
      await receiver.close();
    }
  });
});
