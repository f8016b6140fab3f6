import { Queue, Worker, type Job } from 'bullmq';
import { Cluster, Redis } from 'ioredis';
import { startRedis, startRedisCluster, type RedisCluster, type RedisServer } from '@signet/testing';
import {
  createRedisConnection,
  defaultJobOptions,
  DEFAULT_PREFIX,
  InvalidJobError,
  openPushQueue,
  pushJobId,
  pushJobSchema,
  readJob,
  type PushJob,
} from '../src';

const event = (over: Partial<PushJob['event']> = {}): PushJob['event'] => ({
  kind: 'push',
  registry: 'local',
  repository: 'team/app',
  tag: '1.0.0',
  digest: 'sha256:' + 'a'.repeat(64),
  eventId: 'evt-1',
  occurredAt: new Date(0).toISOString(),
  source: 'distribution',
  ...over,
});

describe('queue contracts against real Redis', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.teardown();
  });

  it('queues a redelivered event once, under the hash-tagged prefix', async () => {
    const connection = createRedisConnection({ url: redis.url, role: 'producer' });
    const queue = openPushQueue(connection, DEFAULT_PREFIX, { defaultJobOptions });
    const job: PushJob = { v: 1, event: event(), receivedAt: new Date().toISOString() };
    const id = pushJobId(job.event);
    await queue.addBulk([{ name: 'push', data: job, opts: { jobId: id } }]);
    await queue.addBulk([{ name: 'push', data: job, opts: { jobId: id } }]);
    expect((await queue.getJobCounts('waiting')).waiting).toBe(1);
    const keys = await connection.keys('*');
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.every((k) => k.startsWith('{signet}:signet.push:'))).toBe(true);
    await queue.obliterate({ force: true });
    await queue.close();
    connection.disconnect();
  });

  it('delivers a job to a worker, which validates it on read', async () => {
    const producer = createRedisConnection({ url: redis.url, role: 'producer' });
    const queue = new Queue('signet.test', { connection: producer, prefix: DEFAULT_PREFIX });
    const seen: PushJob[] = [];
    const worker = new Worker(
      'signet.test',
      async (j: Job) => {
        seen.push(readJob(pushJobSchema, j.data));
      },
      { connection: createRedisConnection({ url: redis.url, role: 'worker' }), prefix: DEFAULT_PREFIX },
    );
    await queue.add('push', { v: 1, event: event(), receivedAt: 'now' });
    await new Promise<void>((resolve) => worker.on('completed', () => resolve()));
    expect(seen[0]?.event.repository).toBe('team/app');
    await worker.close();
    await queue.close();
    producer.disconnect();
  });

  it('a producer fails fast while Redis is down instead of queueing in memory', async () => {
    const other = await startRedis();
    const connection = createRedisConnection({ url: other.url, role: 'producer' });
    const queue = openPushQueue(connection, DEFAULT_PREFIX);
    await queue.waitUntilReady();
    await other.stop();
    const started = Date.now();
    await expect(queue.add('push', { v: 1, event: event(), receivedAt: 'now' }, { jobId: 'x' })).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(3000);
    await queue.close().catch(() => undefined);
    connection.disconnect();
    await other.teardown();
  });
});

describe('queue contracts against a real Redis Cluster', () => {
  // Never contacted: with seeds given, the URL is ignored.
  const unusedUrl = 'redis://127.0.0.1:1';
  let cluster: RedisCluster;
  beforeAll(async () => {
    cluster = await startRedisCluster({ password: 'cluster@pw' });
  });
  afterAll(async () => {
    await cluster?.teardown();
  });

  it('delivers a job through Cluster connections that take the password from the seed URLs', async () => {
    const producer = createRedisConnection({ url: unusedUrl, cluster: cluster.seeds, role: 'producer' });
    const consumer = createRedisConnection({ url: unusedUrl, cluster: cluster.seeds, role: 'worker' });
    expect(producer).toBeInstanceOf(Cluster);
    const queue = new Queue('signet.cluster-test', { connection: producer, prefix: DEFAULT_PREFIX });
    const seen: PushJob[] = [];
    const done = new Promise<void>((resolve) => {
      const worker = new Worker(
        'signet.cluster-test',
        async (j: Job) => {
          seen.push(readJob(pushJobSchema, j.data));
        },
        { connection: consumer, prefix: DEFAULT_PREFIX },
      );
      worker.on('completed', () => void worker.close().then(() => resolve()));
    });
    await queue.add('push', { v: 1, event: event(), receivedAt: 'now' }, { jobId: 'cluster-job' });
    await done;
    expect(seen[0]?.event.repository).toBe('team/app');

    // Every key of the queue sits on the one master owning the `{signet}` slot.
    const perNode = await Promise.all(
      cluster.ports.map(async (port) => {
        const node = new Redis({ host: '127.0.0.1', port, password: 'cluster@pw', maxRetriesPerRequest: 1 });
        const keys = await node.keys('*');
        node.disconnect();
        return keys;
      }),
    );
    const holding = perNode.filter((keys) => keys.length > 0);
    expect(holding).toHaveLength(1);
    expect(holding[0]).toContain('{signet}:signet.cluster-test:cluster-job');
    expect(holding[0]!.every((k) => k.startsWith('{signet}:signet.cluster-test:'))).toBe(true);
    await queue.close();
    producer.disconnect();
    consumer.disconnect();
  });

  it('a Cluster producer fails fast while the cluster is down instead of queueing in memory', async () => {
    const other = await startRedisCluster();
    const connection = createRedisConnection({ url: unusedUrl, cluster: other.seeds, role: 'producer' });
    connection.on('error', () => undefined);
    const queue = openPushQueue(connection, DEFAULT_PREFIX);
    queue.on('error', () => undefined);
    await queue.waitUntilReady();
    await other.teardown();
    const started = Date.now();
    await expect(queue.add('push', { v: 1, event: event(), receivedAt: 'now' }, { jobId: 'x' })).rejects.toThrow();
    await expect(connection.ping()).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(3000);
    await queue.close().catch(() => undefined);
    connection.disconnect();
  });
});

describe('job ids and schemas', () => {
  it('gives the same id to a redelivery and different ids to different pushes', () => {
    expect(pushJobId(event())).toBe(pushJobId(event()));
    expect(pushJobId(event())).not.toBe(pushJobId(event({ eventId: 'evt-2' })));
    expect(pushJobId(event())).not.toBe(pushJobId(event({ digest: 'sha256:' + 'b'.repeat(64) })));
    expect(pushJobId(event())).not.toContain(':');
  });

  it('rejects job data of the wrong shape with a typed error', () => {
    expect(() => readJob(pushJobSchema, { v: 1, event: { ...event(), digest: 'md5:x' }, receivedAt: 'now' })).toThrow(InvalidJobError);
    expect(() => readJob(pushJobSchema, { v: 2 })).toThrow(/invalid job data/);
  });
});
