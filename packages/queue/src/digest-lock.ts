import { createHash, randomBytes } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { SignetError } from '@signet/errors';

/** Deletes the lock only if it still holds our token, so an expired holder never frees someone else's lock. */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;
/** Extends the lock only while it still holds our token. */
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;

/** Another replica held the digest's lock for longer than we were willing to wait: retry the job later. */
export class LockBusyError extends SignetError<'LOCK_BUSY'> {
  constructor(message: string) {
    super('LOCK_BUSY', message, { retryable: true });
  }
}

export interface DigestLockOptions {
  /** Key prefix (the BullMQ prefix, whose hash tag keeps the key on the queue's Redis Cluster slot). */
  prefix: string;
  /**
   * Lock expiry: a replica that dies holding the lock blocks the digest at most this long. A live holder
   * renews it every third of this, so slow work (a slow registry, a KMS round trip) keeps it.
   */
  ttlMs: number;
  /** How long to wait for a held lock before giving up. Default: the TTL plus a second. */
  waitMs?: number;
  /** Poll interval while waiting. Default 50 ms. */
  pollMs?: number;
}

/**
 * A short Redis lock per registry + repository + digest (SET NX PX with a random token, released by
 * compare-and-delete, renewed by compare-and-expire while held). Replicas hold it around "already signed?" and
 * the append, so two replicas racing on one digest write one layer between them.
 */
export class DigestLock {
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly opts: DigestLockOptions,
  ) {}

  key(registry: string, repository: string, digest: string): string {
    const h = createHash('sha256').update([registry, repository, digest].join('\u0000')).digest('hex').slice(0, 40);
    return `${this.opts.prefix}:lock:sig:${h}`;
  }

  async tryAcquire(key: string): Promise<string | undefined> {
    const token = randomBytes(16).toString('hex');
    const ok = await this.redis.set(key, token, 'PX', this.opts.ttlMs, 'NX');
    return ok === 'OK' ? token : undefined;
  }

  async release(key: string, token: string): Promise<boolean> {
    return (await this.redis.eval(RELEASE, 1, key, token)) === 1;
  }

  /** Extends a held lock by the TTL; false if it expired and is no longer ours. */
  async renew(key: string, token: string): Promise<boolean> {
    return (await this.redis.eval(RENEW, 1, key, token, String(this.opts.ttlMs))) === 1;
  }

  /** Runs `fn` holding the lock (renewed while it runs); waits for a held lock, then throws LockBusyError. */
  async withLock<T>(registry: string, repository: string, digest: string, fn: () => Promise<T>): Promise<T> {
    const key = this.key(registry, repository, digest);
    const deadline = Date.now() + (this.opts.waitMs ?? this.opts.ttlMs + 1000);
    let token = await this.tryAcquire(key);
    while (!token) {
      if (Date.now() > deadline) throw new LockBusyError(`${registry}/${repository}@${digest} is locked by another signer`);
      await new Promise((r) => setTimeout(r, (this.opts.pollMs ?? 50) * (0.5 + Math.random())));
      token = await this.tryAcquire(key);
    }
    const held = token;
    // A renewal that finds the lock gone stops renewing; the signature store's re-read after its write still
    // keeps a racing writer's layer, so losing the lock costs at most a redundant upload.
    const renewal = setInterval(
      () => {
        this.renew(key, held).then(
          (ours) => {
            if (!ours) clearInterval(renewal);
          },
          () => undefined,
        );
      },
      Math.max(10, Math.floor(this.opts.ttlMs / 3)),
    );
    renewal.unref();
    try {
      return await fn();
    } finally {
      clearInterval(renewal);
      await this.release(key, held).catch(() => undefined);
    }
  }
}
