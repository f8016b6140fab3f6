import Redis from 'ioredis';
import { RegistryClient, type RegistryClientOptions } from '@signet/registry';
import { pushImage, startRedis, startRegistry, type RedisServer, type RegistryServer } from '@signet/testing';
import { RedisRequestBudget } from '../src';

const clientFor = (registry: RegistryServer, extra: Partial<RegistryClientOptions>) =>
  new RegistryClient({ name: 'test', url: registry.url, insecure: true, dockerConfig: false, ...extra });

describe('RequestBudget shared through Redis', () => {
  let redisServer: RedisServer;
  let registry: RegistryServer;
  const connections: Redis[] = [];
  const connect = () => {
    const r = new Redis(redisServer.url);
    connections.push(r);
    return r;
  };

  beforeAll(async () => {
    [redisServer, registry] = await Promise.all([startRedis(), startRegistry()]);
  });
  afterAll(async () => {
    await Promise.all(connections.map((c) => c.quit()));
    await Promise.all([redisServer.teardown(), registry.teardown()]);
  });

  it('paces two clients on one bucket: 40 HEADs at 20 rps with burst 5 take about 1.75 s', async () => {
    await pushImage(registry.url, 'budget/app:1');
    const opts = { registry: 'shared', user: 'ci-bot', ratePerSecond: 20, burst: 5 };
    const clients: RegistryClient[] = [
      clientFor(registry, { budget: new RedisRequestBudget(connect(), opts) }),
      clientFor(registry, { budget: new RedisRequestBudget(connect(), opts) }),
    ];
    try {
      const started = Date.now();
      await Promise.all(
        clients.map(async (c) => {
          for (let i = 0; i < 20; i++) await c.headManifest('budget/app', '1');
        }),
      );
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(1600);
      expect(elapsed).toBeLessThan(2600);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });

  it('keeps separate buckets per credential', async () => {
    const a = new RedisRequestBudget(connect(), { registry: 'sep', user: 'a', ratePerSecond: 1, burst: 1 });
    const b = new RedisRequestBudget(connect(), { registry: 'sep', user: 'b', ratePerSecond: 1, burst: 1 });
    const started = Date.now();
    await a.acquire();
    await b.acquire();
    expect(Date.now() - started).toBeLessThan(300);
    expect(a.key).toBe('{signet}:budget:sep:a');
  });

  it('makes every sharer wait out a pause and a drain', async () => {
    const opts = { registry: 'pause', ratePerSecond: 10, burst: 5 };
    const one = new RedisRequestBudget(connect(), opts);
    const two = new RedisRequestBudget(connect(), opts);
    // Each clock starts before the call that empties the bucket, so a slow round trip back from Redis cannot eat
    // into the wait being measured (the bucket refills one token every 100 ms from the moment Redis ran it).
    let started = Date.now();
    await one.pauseFor(500);
    await two.acquire();
    expect(Date.now() - started).toBeGreaterThanOrEqual(490);
    started = Date.now();
    await one.drain();
    await two.acquire();
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
  });
});
