import { createConnection } from 'node:net';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { freePort, makeTempDir, ManagedProcess, requireBinary, restartable } from './process';

export interface RedisServer {
  url: string;
  port: number;
  dir: string;
  /** Stops the server (data is lost: no persistence). */
  stop(): Promise<void>;
  /** Starts it again on the same port (after stop()). */
  start(): Promise<void>;
  /** Stops it and removes its directory. */
  teardown(): Promise<void>;
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ host: '127.0.0.1', port });
    let buf = '';
    sock.setTimeout(500, () => { sock.destroy(); resolve(false); });
    sock.on('error', () => resolve(false));
    sock.on('data', (d) => {
      buf += d.toString();
      if (buf.includes('\r\n')) { sock.destroy(); resolve(buf.startsWith('+PONG')); }
    });
    sock.on('connect', () => sock.write('PING\r\n'));
  });
}

/** Starts a real redis-server on a free loopback port, without persistence. */
export async function startRedis(opts: { port?: number; extraConfig?: string } = {}): Promise<RedisServer> {
  requireBinary('redis-server', 'redis-server');
  const port = opts.port ?? (await freePort());
  const dir = makeTempDir('redis');
  const conf = join(dir, 'redis.conf');
  writeFileSync(
    conf,
    [`bind 127.0.0.1`, `port ${port}`, `protected-mode yes`, `daemonize no`, `dir ${dir}`, `save ""`, `appendonly no`, opts.extraConfig ?? ''].join('\n'),
  );
  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    ...restartable({
      dir,
      launch: () => ManagedProcess.start('redis-server', [conf], { logFile: join(dir, 'redis.log') }),
      ready: () => ping(port),
      timeoutMs: 10_000,
      what: `redis-server on port ${port}`,
    }),
  };
  await server.start();
  return server;
}
