import { useRedis } from '@signet/testing';
import { DigestLock, LockBusyError } from '../src';

const DIGEST = 'sha256:' + 'a'.repeat(64);

describe('DigestLock on a real Redis', () => {
  const redis = useRedis();

  it('runs critical sections for one digest one at a time', async () => {
    const lock = new DigestLock(redis.conn, { prefix: '{t}', ttlMs: 2000, pollMs: 5 });
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 5 }, () =>
        lock.withLock('local', 'team/app', DIGEST, async () => {
          most = Math.max(most, ++inside);
          await new Promise((r) => setTimeout(r, 20));
          inside--;
        }),
      ),
    );
    expect(most).toBe(1);
    expect(await redis.conn.exists(lock.key('local', 'team/app', DIGEST))).toBe(0);
  });

  it('never releases a lock that expired and was taken by someone else', async () => {
    const lock = new DigestLock(redis.conn, { prefix: '{t}', ttlMs: 50 });
    const key = lock.key('local', 'team/app', 'sha256:' + 'b'.repeat(64));
    const mine = await lock.tryAcquire(key);
    expect(mine).toBeDefined();
    await new Promise((r) => setTimeout(r, 80));
    const theirs = await lock.tryAcquire(key);
    expect(theirs).toBeDefined();
    expect(await lock.release(key, mine!)).toBe(false);
    expect(await redis.conn.get(key)).toBe(theirs);
  });

  it('keeps the lock while a holder works longer than the TTL, and frees it afterwards', async () => {
    const lock = new DigestLock(redis.conn, { prefix: '{t}', ttlMs: 150, pollMs: 10 });
    const digest = 'sha256:' + 'd'.repeat(64);
    const key = lock.key('local', 'team/app', digest);
    const probes: Array<string | undefined> = [];
    await lock.withLock('local', 'team/app', digest, async () => {
      for (let i = 0; i < 4; i++) {
        await new Promise((r) => setTimeout(r, 150));
        probes.push(await lock.tryAcquire(key));
      }
    });
    // 600 ms of work with a 150 ms TTL: without renewal the second probe onwards would have taken the lock.
    expect(probes).toEqual([undefined, undefined, undefined, undefined]);
    expect(await redis.conn.exists(key)).toBe(0);
  });

  it('does not renew a lock that has passed to another holder', async () => {
    const lock = new DigestLock(redis.conn, { prefix: '{t}', ttlMs: 5000 });
    const key = lock.key('local', 'team/app', 'sha256:' + 'e'.repeat(64));
    const theirs = await lock.tryAcquire(key);
    expect(await lock.renew(key, 'not-the-token')).toBe(false);
    expect(await lock.renew(key, theirs!)).toBe(true);
    expect(await redis.conn.get(key)).toBe(theirs);
  });

  it('gives up with a retryable LockBusyError when the holder keeps the lock too long', async () => {
    const lock = new DigestLock(redis.conn, { prefix: '{t}', ttlMs: 5000, waitMs: 100, pollMs: 10 });
    const key = lock.key('local', 'team/app', 'sha256:' + 'c'.repeat(64));
    await lock.tryAcquire(key);
    const err = await lock.withLock('local', 'team/app', 'sha256:' + 'c'.repeat(64), async () => 'ran').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockBusyError);
    expect((err as LockBusyError).retryable).toBe(true);
  });
});
