import { Redis } from 'ioredis';
import { startRedis, type RedisServer } from './redis';

/** A redis-server for the tests of one describe block or file, and a connection to it. */
export interface TestRedis {
  /** The server, started before the block's first test. */
  readonly server: RedisServer;
  /** One connection to the server, opened on first use. */
  readonly conn: Redis;
}

/**
 * Registers Jest hooks that start a redis-server before the tests of the calling block and, after them, close
 * the connection (if one was opened) and tear the server down. Jest runs afterAll hooks in the order they were
 * registered, so the server is gone before the caller's own afterAll runs: for tests with nothing else to close.
 */
export function useRedis(): TestRedis {
  let server: RedisServer | undefined;
  let conn: Redis | undefined;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    conn?.disconnect();
    await server?.teardown();
  });
  const started = (): RedisServer => {
    if (!server) throw new Error('useRedis(): the server starts in beforeAll, before the first test');
    return server;
  };
  return {
    get server() {
      return started();
    },
    get conn() {
      conn ??= new Redis(started().url);
      return conn;
    },
  };
}
