import { Redis } from 'ioredis';
import { startRedis, type RedisServer } from '@signet/testing';
import { ACK_HISTORY, AckRecords } from '@signet/verification';

let server: RedisServer;
let redis: Redis;
const ref = { registry: 'local', repository: 'team/app', tag: '1.0.0' };

beforeAll(async () => {
  server = await startRedis();
  redis = new Redis(server.url);
});
afterAll(async () => {
  redis?.disconnect();
  await server?.teardown();
});

describe('AckRecords (real Redis)', () => {
  it('keeps every acknowledgement made at once, newest first, up to the history length', async () => {
    const acks = new AckRecords(redis, '{t1}');
    const n = ACK_HISTORY + 5;
    await Promise.all(
      Array.from({ length: n }, (_, i) =>
        acks.record(ref, { digest: 'sha256:aa', traces: [], by: `op${i}`, at: new Date(1_000 + i).toISOString() }),
      ),
    );
    const history = await acks.history(ref);
    expect(history).toHaveLength(ACK_HISTORY);
    expect(new Set(history.map((h) => h.by)).size).toBe(ACK_HISTORY);
    expect(history[0]).toEqual({ digest: 'sha256:aa', traces: [], by: `op${n - 1}`, at: new Date(1_000 + n - 1).toISOString() });
  });

  it('returns the newest record per tag, with reasons and traces as written', async () => {
    const acks = new AckRecords(redis, '{t2}');
    const other = { ...ref, repository: 'team/a:b/c' };
    await acks.record(ref, {
      digest: 'sha256:01',
      traces: ['sha256:02'],
      by: 'alice',
      at: '2026-01-01T00:00:00.000Z',
      reason: 'INC-1 "quoted" / ünïcode',
    });
    await acks.record(other, { traces: [], by: 'bob', at: '2026-01-02T00:00:00.000Z' });
    const latest = await acks.latest();
    expect(latest.sort((a, b) => a.repository.localeCompare(b.repository))).toEqual([
      { ...other, record: { traces: [], by: 'bob', at: '2026-01-02T00:00:00.000Z' } },
      {
        ...ref,
        record: {
          digest: 'sha256:01',
          traces: ['sha256:02'],
          by: 'alice',
          at: '2026-01-01T00:00:00.000Z',
          reason: 'INC-1 "quoted" / ünïcode',
        },
      },
    ]);
  });
});
