import {
  makeTempDir,
  removeDir,
  startRedis,
  startRegistry,
  type RedisServer,
  type RegistryOptions,
  type RegistryServer,
} from '@signet/testing';

/** What a benchmark runs against: its own temp dir, a real redis-server and a real registry. */
export interface BenchEnv {
  dir: string;
  redis: RedisServer;
  registry: RegistryServer;
}

/**
 * Runs a benchmark script's body against a fresh Redis and registry (`registry`: as startRegistry takes it),
 * tears both down and removes the temp dir however the body ends, and exits 1 with the error printed when it
 * throws. The body sets `process.exitCode` for a measured miss.
 */
export function runBench(name: string, body: (env: BenchEnv) => Promise<void>, opts: { registry?: RegistryOptions } = {}): void {
  const run = async () => {
    const dir = makeTempDir(`bench-${name}`);
    const [redis, registry] = await Promise.all([startRedis(), startRegistry(opts.registry)]);
    try {
      await body({ dir, redis, registry });
    } finally {
      await Promise.all([redis.teardown(), registry.teardown()]);
      removeDir(dir);
    }
  };
  run().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
