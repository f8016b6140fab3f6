import { parseConfig } from '@signet/config';
import { createLogger } from '@signet/observability';
import { QueueNames, whenConnected } from '@signet/queue';
import { freePort, useRedis } from '@signet/testing';
import { Queue } from 'bullmq';
import { withServiceRuntime } from '../src';
import { createServiceRuntime } from '../src/service-runtime';

const redis = useRedis();
const logger = createLogger({ service: 'runtime-test', level: 'silent' });
const config = (url = redis.server.url) => parseConfig({ redis: { url }, registries: [{ name: 'r', url: 'http://127.0.0.1:9' }] });
const get = (port: number, path: string) => fetch(`http://127.0.0.1:${port}${path}`);

describe('withServiceRuntime', () => {
  it("fails the start before anything is opened when the service's section is missing", async () => {
    let built = false;
    const start = withServiceRuntime('signer', config(), { logger }, async () => {
      built = true;
      return {};
    });
    await expect(start).rejects.toThrow('the signer section is missing from the configuration');
    expect(built).toBe(false);
  });

  it("gives the start its section and a runtime reporting under the service's name, and close() closes what it opened", async () => {
    const port = await freePort();
    const running = await withServiceRuntime('receiver', config(), { logger }, async (rt, receiver) => {
      await rt.startOps({ port, redis: [] });
      return { bodyLimit: receiver.bodyLimit };
    });
    expect(running.bodyLimit).toBe(config().receiver.bodyLimit);
    expect(await (await get(port, '/metrics')).text()).toContain('signet_build_info{service="webhook-receiver"');
    await running.close();
    await expect(get(port, '/healthz')).rejects.toThrow();
  });
});

describe('ServiceRuntime', () => {
  it("is ready only while every Redis connection given answers and the service's own check agrees", async () => {
    const rt = createServiceRuntime({ service: 'probe', config: config(), logger });
    // Nothing listens on this port: a fail-fast connection to it refuses PING at once.
    const unreachable = createServiceRuntime({ service: 'probe', config: config(`redis://127.0.0.1:${await freePort()}`), logger });
    const [own, withDown] = [await freePort(), await freePort()];
    let loaded = false;
    const running = await rt.start(async () => {
      const up = rt.connection('producer');
      await whenConnected(up, 5000);
      await rt.startOps({ port: own, redis: [up], ready: async () => loaded });
      await rt.startOps({ port: withDown, redis: [up, unreachable.connection('producer')] });
      return {};
    });
    try {
      expect((await get(own, '/readyz')).status).toBe(503);
      loaded = true;
      expect((await get(own, '/readyz')).status).toBe(200);
      expect((await get(withDown, '/readyz')).status).toBe(503);
    } finally {
      await running.close();
      await unreachable.close();
    }
  });

  it('reports the depth of the queues named, read through queues of its own on the connection given', async () => {
    const rt = createServiceRuntime({ service: 'probe', config: config(), logger });
    const port = await freePort();
    const running = await rt.start(async () => {
      const scrape = rt.connection('producer');
      await whenConnected(scrape, 5000);
      rt.reportQueueDepths(scrape, [QueueNames.push, QueueNames.verify]);
      await rt.startOps({ port, redis: [scrape] });
      return {};
    });
    const feeder = new Queue(QueueNames.push, { connection: { host: '127.0.0.1', port: redis.server.port }, prefix: rt.prefix });
    try {
      await feeder.add('push', {});
      await feeder.add('push', {});
      const page = await (await get(port, '/metrics')).text();
      expect(page).toContain('signet_queue_jobs{queue="signet.push",state="waiting"} 2');
      expect(page).toContain('signet_queue_jobs{queue="signet.verify",state="waiting"} 0');
      expect(page).not.toContain('queue="signet.rescan"');
    } finally {
      await feeder.obliterate({ force: true });
      await feeder.close();
      await running.close();
    }
  });
});
