import { createServer } from 'node:net';
import { freePort, sleep } from './process';
import { redisClientCount } from './redis';

export interface RedisClientWatch {
  /** Clients on the server when the watch began, once that count held still. */
  readonly before: number;
  /** Clients connected now beyond `before`. */
  opened(): Promise<number>;
  /**
   * Clients beyond `before` once the count has come back to it, or what is left after `timeoutMs` (10 s by
   * default: closing is asynchronous, and slow on a loaded machine).
   */
  leftOpen(timeoutMs?: number): Promise<number>;
}

/**
 * Watches the clients of the redis-server on `port`: a test's measure of the connections a service leaves open.
 * The count it starts from is read until two readings agree, so a connection still being made by the test's own
 * set-up (a client connects asynchronously) is counted before, not blamed on what the test runs.
 */
export async function watchRedisClients(port: number): Promise<RedisClientWatch> {
  let before = await redisClientCount(port);
  for (let reading = 0; reading < 50; reading++) {
    await sleep(100);
    const again = await redisClientCount(port);
    if (again === before) break;
    before = again;
  }
  return {
    before,
    opened: async () => (await redisClientCount(port)) - before,
    leftOpen: async (timeoutMs = 10_000) => (await redisClientCount(port, { expected: before, timeoutMs })) - before,
  };
}

/**
 * Runs `body` while a listener holds a free port on `host` (`0.0.0.0` for every interface), so that a service
 * told to listen there fails with EADDRINUSE; the port is freed afterwards.
 */
export async function withPortTaken<T>(host: string, body: (port: number) => Promise<T>): Promise<T> {
  const port = await freePort();
  const taken = createServer();
  await new Promise<void>((resolve, reject) => {
    taken.once('error', reject);
    taken.listen(port, host, () => resolve());
  });
  try {
    return await body(port);
  } finally {
    await new Promise((resolve) => taken.close(resolve));
  }
}
