import { createServer, type Server } from 'node:net';
import { freePort, makeTempDir, redisClientCount, runServiceToExit, startRedis, writeConfigFile, type RedisServer } from '@signet/testing';
import { startReceiver } from '../src/service';
import { receiverConfig, silentLogger } from './helpers';

const DASH = 'dashboard-password-0123456789';
const dashboard = { dashboard: { enabled: true, username: 'ops', passwordEnv: 'DASH' } };
const basic = 'Basic ' + Buffer.from(`ops:${DASH}`).toString('base64');

let redis: RedisServer;
/** Clients on the test's redis-server; with `settle`, once the count has come back to it (closing is asynchronous). */
const clients = (settle?: number) => redisClientCount(redis.port, { expected: settle });

beforeAll(async () => {
  redis = await startRedis();
}, 30_000);
afterAll(async () => {
  await redis.teardown();
});

describe('the receiver closes what it opened', () => {
  it("closes the dashboard's queues on close()", async () => {
    const receiver = await startReceiver(receiverConfig(redis.url, { ops: { port: 0, host: '127.0.0.1' }, ...dashboard }, { DASH }), {
      logger: silentLogger(),
    });
    // Each open queue on the service's connection listens for that connection's close: the push queue and the
    // dashboard's three. A queue left open keeps its listener.
    const connection = receiver.queue.opts.connection as unknown as { listenerCount(event: string): number };
    expect(connection.listenerCount('close')).toBe(4);
    await receiver.close();
    expect(connection.listenerCount('close')).toBe(0);
  });

  it('leaves no Redis connection open once closed, after the dashboard was used', async () => {
    const before = await clients();
    const receiver = await startReceiver(receiverConfig(redis.url, { ops: { port: 0, host: '127.0.0.1' }, ...dashboard }, { DASH }), {
      logger: silentLogger(),
    });
    const res = await fetch(`${receiver.ops.url}/admin/queues/api/queues?activeQueue=signet.push&page=1&jobsPerPage=10`, {
      headers: { authorization: basic },
    });
    expect(res.status).toBe(200);
    expect(await clients()).toBeGreaterThan(before);
    await receiver.close();
    expect(await clients(before)).toBe(before);
  });

  it('closes its connections and its webhook listener when the ops port is taken', async () => {
    const port = await freePort();
    const taken: Server = createServer();
    await new Promise<void>((r) => taken.listen(port, '127.0.0.1', () => r()));
    try {
      const before = await clients();
      const config = receiverConfig(redis.url, { ops: { port, host: '127.0.0.1' }, ...dashboard }, { DASH });
      await expect(startReceiver(config, { logger: silentLogger() })).rejects.toThrow(/EADDRINUSE/);
      expect(await clients(before)).toBe(before);
    } finally {
      await new Promise((r) => taken.close(r));
    }
  });
});

describe('main.ts when the receiver cannot start', () => {
  it('lists the configuration fields at fault and exits 1', async () => {
    const configFile = writeConfigFile(
      {
        redis: { url: redis.url },
        registries: [{ name: 'local', url: 'http://127.0.0.1:9' }],
        webhooks: [{ name: 'hook', source: 'distribution', registry: 'local' }],
      },
      makeTempDir('receiver-config'),
    );
    const exit = await runServiceToExit('webhook-receiver', { configFile });
    expect(exit.code).toBe(1);
    expect(exit.stderr).toMatch(/^webhook-receiver: invalid configuration in .*signet\.yaml:\n( {2}- webhooks\.0\.auth: .*\n)+$/);
  });

  it('says in one line why anything else failed (its port taken), and exits 1', async () => {
    const port = await freePort();
    const taken: Server = createServer();
    await new Promise<void>((r) => taken.listen(port, '0.0.0.0', () => r()));
    try {
      const configFile = writeConfigFile(
        {
          redis: { url: redis.url },
          registries: [{ name: 'local', url: 'http://127.0.0.1:9' }],
          webhooks: [{ name: 'hook', source: 'distribution', registry: 'local', auth: { type: 'bearer', tokenEnv: 'TOKEN' } }],
          receiver: { port, ops: { port: 0 } },
        },
        makeTempDir('receiver-config'),
      );
      const exit = await runServiceToExit('webhook-receiver', { configFile, env: { TOKEN: 'hook-token-0123456789', PORT: String(port) } });
      expect(exit.code).toBe(1);
      expect(exit.stderr).toMatch(new RegExp(`^webhook-receiver failed to start: .*EADDRINUSE.*${port}.*\\n$`));
    } finally {
      await new Promise((r) => taken.close(r));
    }
  });
});
