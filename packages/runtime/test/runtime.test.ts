import { parseConfig } from '@signet/config';
import { createLogger } from '@signet/observability';
import { openPushQueue } from '@signet/queue';
import { freePort, useRedis, watchRedisClients } from '@signet/testing';
import { createServiceRuntime } from '../src/service-runtime';

const redis = useRedis();
const logger = createLogger({ service: 'runtime-test', level: 'silent' });
const runtime = () =>
  createServiceRuntime({
    service: 'probe',
    config: parseConfig({ redis: { url: redis.server.url }, registries: [{ name: 'r', url: 'http://127.0.0.1:9' }] }),
    logger,
  });

describe('createServiceRuntime', () => {
  it('serves /healthz, /readyz and /metrics on one ops listener, and closes everything on close()', async () => {
    const clients = await watchRedisClients(redis.server.port);
    const port = await freePort();
    const rt = runtime();
    const running = await rt.start(async () => {
      const conn = rt.connection('producer');
      rt.own(openPushQueue(conn, rt.prefix), 'queue:push');
      await rt.startOps({ port, redis: [conn] });
      return { port };
    });
    // The producer connection fails fast while it is still connecting, so readiness may take a moment to turn 200.
    for (let i = 0; i < 50 && (await fetch(`http://127.0.0.1:${port}/readyz`)).status !== 200; i++)
      await new Promise((r) => setTimeout(r, 100));
    for (const [path, status] of [
      ['/healthz', 200],
      ['/readyz', 200],
      ['/nope', 404],
    ] as const) {
      expect([path, (await fetch(`http://127.0.0.1:${port}${path}`)).status]).toEqual([path, status]);
    }
    expect(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).toContain('signet_build_info{service="probe"');
    await running.close();
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    expect(await clients.leftOpen()).toBe(0);
  });

  it("closes what a failed start opened, last first, and rethrows the start's own error", async () => {
    const clients = await watchRedisClients(redis.server.port);
    const rt = runtime();
    const order: string[] = [];
    const failure = new Error('key file unreadable');
    await expect(
      rt.start(async () => {
        rt.connection('worker');
        rt.defer('first', () => void order.push('first'));
        rt.defer('second', () => void order.push('second'));
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(order).toEqual(['second', 'first']);
    expect(await clients.leftOpen()).toBe(0);
  });
});
