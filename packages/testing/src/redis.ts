import { execFile } from 'node:child_process';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { freePort, makeTempDir, ManagedProcess, removeDir, requireBinary, restartable, waitFor } from './process';

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
    sock.setTimeout(500, () => {
      sock.destroy();
      resolve(false);
    });
    sock.on('error', () => resolve(false));
    sock.on('data', (d) => {
      buf += d.toString();
      // A server with requirepass answers NOAUTH: it is up.
      if (buf.includes('\r\n')) {
        sock.destroy();
        resolve(buf.startsWith('+PONG') || buf.startsWith('-NOAUTH'));
      }
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
    [
      `bind 127.0.0.1`,
      `port ${port}`,
      `protected-mode yes`,
      `daemonize no`,
      `dir ${dir}`,
      `save ""`,
      `appendonly no`,
      opts.extraConfig ?? '',
    ].join('\n'),
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

export interface RedisCluster {
  /** Seed URLs, one per master (`redis://127.0.0.1:<port>`, with the password when one is set). */
  seeds: string[];
  ports: number[];
  /** Stops every node and removes their directories. */
  teardown(): Promise<void>;
}

const run = promisify(execFile);

/** `count` distinct free loopback ports. */
async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

/**
 * Starts a real Redis Cluster of `masters` redis-server processes (no replicas, no persistence) on free
 * loopback ports, creates it with `redis-cli --cluster create` and waits until every node reports
 * `cluster_state:ok`. With `password`, every node requires it (`requirepass`).
 */
export async function startRedisCluster(opts: { masters?: number; password?: string } = {}): Promise<RedisCluster> {
  const masters = opts.masters ?? 3;
  if (masters < 3) throw new RangeError('redis-cli --cluster create needs at least 3 masters');
  requireBinary('redis-cli', 'redis-tools');
  const auth = opts.password ? ['-a', opts.password, '--no-auth-warning'] : [];
  // A client port and a cluster bus port per node (the bus port is set, not derived as port + 10000).
  const all = await freePorts(masters * 2);
  const ports = all.slice(0, masters);
  const dir = makeTempDir('redis-cluster');
  const nodes: RedisServer[] = [];
  const teardown = async () => {
    await Promise.all(nodes.map((n) => n.teardown()));
    removeDir(dir);
  };
  const clusterInfo = async (port: number) =>
    (await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...auth, 'CLUSTER', 'INFO'], { timeout: 5_000 })).stdout;
  try {
    const started = await Promise.allSettled(
      ports.map((port, i) => {
        const config = [
          'cluster-enabled yes',
          `cluster-config-file ${join(dir, `nodes-${port}.conf`)}`,
          `cluster-port ${all[masters + i]}`,
        ];
        if (opts.password) config.push(`requirepass ${JSON.stringify(opts.password)}`, `masterauth ${JSON.stringify(opts.password)}`);
        return startRedis({ port, extraConfig: config.join('\n') });
      }),
    );
    for (const r of started) if (r.status === 'fulfilled') nodes.push(r.value);
    const failed = started.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    await run(
      'redis-cli',
      ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes', ...auth],
      { timeout: 30_000 },
    );
    await waitFor(
      async () => (await Promise.all(ports.map(clusterInfo))).every((info) => /^cluster_state:ok\r?$/m.test(info)),
      20_000,
      `cluster_state:ok on ports ${ports.join(', ')}`,
    );
  } catch (err) {
    await teardown();
    throw err;
  }
  const credentials = opts.password ? `:${encodeURIComponent(opts.password)}@` : '';
  return { seeds: ports.map((p) => `redis://${credentials}127.0.0.1:${p}`), ports, teardown };
}

/**
 * How many clients are connected to the redis-server on `port`, not counting the one asking: a test's measure
 * of connections a service leaves open. Polls until the count settles at `expected`, if given (closing is
 * asynchronous), for up to `timeoutMs`, then returns what it last saw.
 */
export async function redisClientCount(port: number, opts: { expected?: number; timeoutMs?: number } = {}): Promise<number> {
  requireBinary('redis-cli', 'redis-tools');
  const count = async () =>
    (await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), 'CLIENT', 'LIST'], { timeout: 5_000 })).stdout.trim().split('\n')
      .length - 1;
  let seen = await count();
  if (opts.expected === undefined) return seen;
  await waitFor(async () => (seen = await count()) === opts.expected, opts.timeoutMs ?? 5000, 'redis clients to settle').catch(
    () => undefined,
  );
  return seen;
}
