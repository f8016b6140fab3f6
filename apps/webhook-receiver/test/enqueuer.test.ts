import { randomBytes } from 'node:crypto';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { PushEvent } from '@signet/events';
import {
  createRedisConnection,
  defaultJobOptions,
  JobNames,
  openPushQueue,
  pushJobId,
  QueueNames,
  whenConnected,
  type PushJob,
  type TypedQueue,
} from '@signet/queue';
import { startRedis, waitFor, type RedisServer } from '@signet/testing';
import { PushEnqueuer } from '../src/enqueue';

function pushEvent(i: number, eventId = `evt-${i}`): PushEvent {
  return {
    kind: 'push',
    registry: 'local',
    repository: 'team/app',
    tag: `v${i}`,
    digest: 'sha256:' + randomBytes(32).toString('hex'),
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    actor: 'ci-bot',
    eventId,
    occurredAt: '2026-11-24T10:00:00.000Z',
    source: 'distribution',
  };
}

describe('PushEnqueuer against real Redis', () => {
  let redis: RedisServer;
  let connection: Redis;
  let enqueueConnection: Redis;
  let queue: TypedQueue<typeof QueueNames.push>;
  let enqueuer: PushEnqueuer;
  beforeAll(async () => {
    redis = await startRedis();
    connection = createRedisConnection({ url: redis.url, role: 'producer' }) as Redis;
    enqueueConnection = createRedisConnection({ url: redis.url, role: 'producer' }) as Redis;
    queue = openPushQueue(connection, '{signet}', { defaultJobOptions });
    await queue.waitUntilReady();
    // A producer connection refuses commands until it is ready (no offline queue).
    expect(await whenConnected(enqueueConnection, 10_000)).toBe(true);
    enqueuer = new PushEnqueuer(queue, enqueueConnection);
  });
  afterAll(async () => {
    await enqueuer?.close();
    await queue?.close();
    connection?.disconnect();
    enqueueConnection?.disconnect();
    await redis?.teardown();
  });

  it('writes a job exactly as Queue.add writes it, apart from its timestamp', async () => {
    const event = pushEvent(1);
    const data: PushJob = { v: 1, event, receivedAt: '2026-11-24T10:00:01.000Z' };
    expect(await enqueuer.enqueue([event])).toEqual({ accepted: 1, duplicates: 0 });
    const id = pushJobId(event);
    const ours = await connection.hgetall(queue.toKey(id));
    const stored = JSON.parse(ours.data!) as PushJob;
    expect(stored.event).toEqual(event);

    // The same job through BullMQ's public API, in a queue of its own.
    const reference = openPushQueue(connection, '{signet-reference}', { defaultJobOptions });
    await reference.add(JobNames.push, { ...data, receivedAt: stored.receivedAt }, { jobId: id });
    const theirs = await connection.hgetall(reference.toKey(id));
    await reference.close();
    const withoutTime = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).filter(([k]) => k !== 'timestamp'));
    expect(withoutTime(ours)).toEqual(withoutTime(theirs));
    expect(Object.keys(ours).sort()).toEqual(Object.keys(theirs).sort());
    expect(await connection.lrange(queue.toKey('wait'), 0, -1)).toEqual([id]);
  });

  it('counts new jobs and redeliveries exactly across concurrent bodies, and a real Worker takes each job once', async () => {
    await queue.obliterate({ force: true });
    const events = Array.from({ length: 1200 }, (_, i) => pushEvent(i));
    // Bodies of 1 to 40 events, sent all at once, half of them a second time (redeliveries racing the original).
    const bodies: PushEvent[][] = [];
    for (let i = 0; i < events.length;) {
      const size = 1 + (i % 40);
      bodies.push(events.slice(i, i + size));
      i += size;
    }
    const sends = [...bodies, ...bodies.filter((_, i) => i % 2 === 0)];
    const results = await Promise.all(sends.map((b) => enqueuer.enqueue(b)));
    const accepted = results.reduce((n, r) => n + r.accepted, 0);
    const duplicates = results.reduce((n, r) => n + r.duplicates, 0);
    const redelivered = bodies.filter((_, i) => i % 2 === 0).reduce((n, b) => n + b.length, 0);
    expect(accepted).toBe(events.length);
    expect(duplicates).toBe(redelivered);
    expect(await queue.getWaitingCount()).toBe(events.length);

    const taken: string[] = [];
    const workerConnection = createRedisConnection({ url: redis.url, role: 'worker' });
    const worker = new Worker<PushJob>(
      QueueNames.push,
      async (job) => {
        taken.push(job.data.event.eventId);
        expect(job.opts.attempts).toBe(defaultJobOptions.attempts);
      },
      { connection: workerConnection, prefix: '{signet}', concurrency: 50 },
    );
    try {
      await waitFor(async () => taken.length >= events.length, 30_000, 'worker took every job');
      expect(new Set(taken).size).toBe(events.length);
      expect([...taken].sort()).toEqual(events.map((e) => e.eventId).sort());
      await waitFor(async () => (await queue.getCompletedCount()) === events.length, 10_000, 'jobs completed');
      expect(await queue.getFailedCount()).toBe(0);
    } finally {
      await worker.close();
      workerConnection.disconnect();
    }
  });

  it('queues a body larger than one batch (2,000 events) and counts a body racing it exactly', async () => {
    await queue.obliterate({ force: true });
    const events = Array.from({ length: 2000 }, (_, i) => pushEvent(i, `big-${i}`));
    const [big, small] = await Promise.all([enqueuer.enqueue(events), enqueuer.enqueue([events[0]!, pushEvent(9999)])]);
    // The small body either joined the big one's run or came after it: its first event is a duplicate either way.
    expect(big.accepted + small.accepted).toBe(2001);
    expect(big.duplicates + small.duplicates).toBe(1);
    expect(await queue.getWaitingCount()).toBe(2001);
  });

  it('fails a batch as a whole while Redis is unreachable, then queues it once on redelivery', async () => {
    await queue.obliterate({ force: true });
    const events = Array.from({ length: 20 }, (_, i) => pushEvent(i, `outage-${i}`));
    await redis.stop();
    await expect(enqueuer.enqueue(events)).rejects.toMatchObject({ code: 'QUEUE_UNAVAILABLE' });
    await redis.start();
    await waitFor(async () => enqueueConnection.status === 'ready' && connection.status === 'ready', 15_000, 'reconnected');
    expect(await queue.getWaitingCount()).toBe(0);
    expect(await enqueuer.enqueue(events)).toEqual({ accepted: 20, duplicates: 0 });
    expect(await enqueuer.enqueue(events)).toEqual({ accepted: 0, duplicates: 20 });
    expect(await queue.getWaitingCount()).toBe(20);
  });
});
