import { freePort, pushImage, startRedis, startRegistry, startService, waitFor, writeConfigFile } from '@signet/testing';
import { createRedisConnection, openPushQueue } from '@signet/queue';

describe('the receiver as a process (npm run start:receiver)', () => {
  it('starts from the config file, queues a pushed image, and shuts down gracefully on SIGTERM', async () => {
    const redis = await startRedis();
    const port = await freePort();
    const configFile = writeConfigFile({
      redis: { url: redis.url },
      registries: [{ name: 'local', url: 'http://127.0.0.1:5000' }],
      webhooks: [{ name: 'local', source: 'distribution', registry: 'local', auth: { type: 'bearer', tokenEnv: 'WEBHOOK_TOKEN' } }],
      receiver: { host: '127.0.0.1' },
    });
    const receiver = await startService('webhook-receiver', { configFile, port, env: { WEBHOOK_TOKEN: 'hook-token-0123456789' } });
    const registry = await startRegistry({
      notifications: { url: `${receiver.url}/webhooks/local`, headers: { Authorization: 'Bearer hook-token-0123456789' } },
    });
    const connection = createRedisConnection({ url: redis.url, role: 'producer' });
    const queue = openPushQueue(connection, '{signet}');
    try {
      const digest = await pushImage(registry.url, 'team/app:1.0.0');
      await waitFor(async () => (await queue.getJobCounts('waiting')).waiting === 1, 15_000, 'one queued job');
      const [job] = await queue.getJobs(['waiting']);
      expect(job?.data.event).toMatchObject({ repository: 'team/app', tag: '1.0.0', digest });
      await receiver.stop();
      expect(receiver.process.child.exitCode).toBe(0);
    } finally {
      await queue.close();
      connection.disconnect();
      await receiver.kill();
      await registry.teardown();
      await redis.teardown();
    }
  });
});
