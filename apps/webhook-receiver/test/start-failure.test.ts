import { whenConnected } from '@signet/queue';
import type { Redis } from 'ioredis';
import { makeTempDir, runServiceToExit, useRedis, watchRedisClients, withPortTaken, writeConfigFile } from '@signet/testing';
import { startReceiver } from '../src/service';
import { receiverConfig, silentLogger } from './helpers';

const DASH = 'dashboard-password-0123456789';
const dashboard = { dashboard: { enabled: true, username: 'ops', passwordEnv: 'DASH' } };
const basic = 'Basic ' + Buffer.from(`ops:${DASH}`).toString('base64');

const redis = useRedis();

describe('the receiver closes what it opened', () => {
  it("closes the dashboard's queues on close()", async () => {
    const receiver = await startReceiver(
      receiverConfig(redis.server.url, { ops: { port: 0, host: '127.0.0.1' }, ...dashboard }, { DASH }),
      {
        logger: silentLogger(),
      },
    );
    // Each open queue on the service's connection listens for that connection's close: the push queue and the
    // dashboard's three. A queue left open keeps its listener.
    const connection = receiver.queue.opts.connection as unknown as Redis;
    // While it still connects, ioredis itself holds a 'close' listener of its own; count once it is ready.
    expect(await whenConnected(connection, 10_000)).toBe(true);
    expect(connection.listenerCount('close')).toBe(4);
    await receiver.close();
    expect(connection.listenerCount('close')).toBe(0);
  });

  it('leaves no Redis connection open once closed, after the dashboard was used', async () => {
    const clients = await watchRedisClients(redis.server.port);
    const receiver = await startReceiver(
      receiverConfig(redis.server.url, { ops: { port: 0, host: '127.0.0.1' }, ...dashboard }, { DASH }),
      {
        logger: silentLogger(),
      },
    );
    const res = await fetch(`${receiver.ops.url}/admin/queues/api/queues?activeQueue=signet.push&page=1&jobsPerPage=10`, {
      headers: { authorization: basic },
    });
    expect(res.status).toBe(200);
    expect(await clients.opened()).toBeGreaterThan(0);
    await receiver.close();
    expect(await clients.leftOpen()).toBe(0);
  });

  it('closes its connections and its webhook listener when the ops port is taken', async () => {
    await withPortTaken('127.0.0.1', async (port) => {
      const clients = await watchRedisClients(redis.server.port);
      const config = receiverConfig(redis.server.url, { ops: { port, host: '127.0.0.1' }, ...dashboard }, { DASH });
      await expect(startReceiver(config, { logger: silentLogger() })).rejects.toThrow(/EADDRINUSE/);
      expect(await clients.leftOpen()).toBe(0);
    });
  });
});

describe('main.ts when the receiver cannot start', () => {
  it('lists the configuration fields at fault and exits 1', async () => {
    const configFile = writeConfigFile(
      {
        redis: { url: redis.server.url },
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
    await withPortTaken('0.0.0.0', async (port) => {
      const configFile = writeConfigFile(
        {
          redis: { url: redis.server.url },
          registries: [{ name: 'local', url: 'http://127.0.0.1:9' }],
          webhooks: [{ name: 'hook', source: 'distribution', registry: 'local', auth: { type: 'bearer', tokenEnv: 'TOKEN' } }],
          receiver: { port, ops: { port: 0 } },
        },
        makeTempDir('receiver-config'),
      );
      const exit = await runServiceToExit('webhook-receiver', { configFile, env: { TOKEN: 'hook-token-0123456789', PORT: String(port) } });
      expect(exit.code).toBe(1);
      expect(exit.stderr).toMatch(new RegExp(`^webhook-receiver failed to start: .*EADDRINUSE.*${port}.*\\n$`));
    });
  });
});
