import { parseConfig } from '@signet/config';
import { startRedis, type RedisServer } from '@signet/testing';
import { startReceiver } from '../src/server';
import { silentLogger } from './helpers';

const config = (redisUrl: string, enabled: boolean) =>
  parseConfig(
    {
      redis: { url: redisUrl },
      registries: [{ name: 'local', url: 'http://127.0.0.1:5000' }],
      receiver: { port: 0, host: '127.0.0.1', dashboard: { enabled, username: 'ops', passwordEnv: 'DASH' } },
    },
    { env: { DASH: 'dash-pw' } },
  );

describe('queue dashboard', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.teardown();
  });

  it('serves bull-board at /admin/queues behind basic auth when enabled', async () => {
    const receiver = await startReceiver(config(redis.url, true), silentLogger());
    try {
      const anonymous = await fetch(`${receiver.url}/admin/queues`);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toContain('Basic');
      const wrong = await fetch(`${receiver.url}/admin/queues`, { headers: { authorization: 'Basic ' + Buffer.from('ops:nope').toString('base64') } });
      expect(wrong.status).toBe(401);
      const auth = { authorization: 'Basic ' + Buffer.from('ops:dash-pw').toString('base64') };
      const page = await fetch(`${receiver.url}/admin/queues`, { headers: auth });
      expect(page.status).toBe(200);
      const api = await fetch(`${receiver.url}/admin/queues/api/queues`, { headers: auth });
      const names = ((await api.json()) as { queues: Array<{ name: string }> }).queues.map((q) => q.name).sort();
      expect(names).toEqual(['signet.push', 'signet.rescan', 'signet.verify']);
    } finally {
      await receiver.close();
    }
  });

  it('is off unless configured', async () => {
    const receiver = await startReceiver(config(redis.url, false), silentLogger());
    try {
      expect((await fetch(`${receiver.url}/admin/queues`)).status).toBe(404);
    } finally {
      await receiver.close();
    }
  });
});
