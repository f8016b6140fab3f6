import { useRedis } from '@signet/testing';
import { SigningRecords, type SigningRecord } from '../src/state/signing-records';

const digest = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
const record = (at: number): SigningRecord => ({
  actor: 'ci-bot',
  at,
  key: '0123456789abcdef',
  pushJobId: `job-${at}`,
  identity: 'registry.example/team/app:1',
});

describe('SigningRecords in a real Redis', () => {
  const redis = useRedis();

  it('reads back what was recorded, by digest and by repository, and lists the repositories with records', async () => {
    const records = new SigningRecords(redis.conn, '{t1}');
    await records.record('local', 'team/app', digest(1), record(1000));
    await records.record('local', 'team/api', digest(2), record(2000));
    expect(await records.get('local', 'team/app', digest(1))).toEqual(record(1000));
    expect(await records.get('local', 'team/app', digest(2))).toBeUndefined();
    expect([...(await records.list('local', 'team/app')).keys()]).toEqual([digest(1)]);
    expect(await records.repositories('local')).toEqual(['team/api', 'team/app']);
    expect(await records.repositories('other')).toEqual([]);
  });

  it('keeps every key under the prefix, so they share its Redis Cluster hash tag', async () => {
    await new SigningRecords(redis.conn, '{t2}').record('local', 'team/app', digest(1), record(1));
    const keys = await redis.conn.keys('*');
    const ours = keys.filter((k) => !k.startsWith('{t1}'));
    expect(ours.length).toBe(3);
    expect(ours.every((k) => k.startsWith('{t2}:'))).toBe(true);
  });

  it('drops the oldest records of a repository beyond the bound', async () => {
    const records = new SigningRecords(redis.conn, '{t3}', { maxPerRepository: 3 });
    for (let i = 1; i <= 5; i++) await records.record('local', 'team/app', digest(i), record(i * 1000));
    expect([...(await records.list('local', 'team/app')).keys()].sort()).toEqual([digest(3), digest(4), digest(5)]);
    // A digest recorded again is refreshed, not duplicated.
    await records.record('local', 'team/app', digest(3), record(9000));
    await records.record('local', 'team/app', digest(6), record(10000));
    expect([...(await records.list('local', 'team/app')).keys()].sort()).toEqual([digest(3), digest(5), digest(6)]);
  });

  it('ignores a field that is not a record instead of failing the whole listing', async () => {
    const records = new SigningRecords(redis.conn, '{t4}');
    await records.record('local', 'team/app', digest(1), record(1));
    await redis.conn.hset('{t4}:signed:local/team/app', digest(2), 'not json');
    expect([...(await records.list('local', 'team/app')).keys()]).toEqual([digest(1)]);
  });
});
