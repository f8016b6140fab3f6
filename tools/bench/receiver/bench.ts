/**
 * Receiver throughput: Distribution push envelopes (each a new event) through the real receiver process into
 * real Redis, against a bare express handler answering 202, both driven by wrk in the same run.
 * The two are measured in alternating slices (bare, receiver, bare, receiver...) and the ratio is the median
 * of each slice pair's, so a change in the machine's speed during the run (a shared host) falls on both sides.
 * Run: npx tsx tools/bench/receiver/bench.ts [seconds per slice = 4] [connections = 8] [slice pairs = 5]
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Cluster, Redis } from 'ioredis';
import { createRedisConnection, openPushQueue } from '@signet/queue';
import { freePort, ManagedProcess, makeTempDir, repoRoot, requireBinary, startRedis, waitFor, writeConfigFile } from '@signet/testing';
import { median } from '../lib/stats';
import { runWrk } from '../lib/wrk';

/** CPU seconds a process has used so far (all its threads), from /proc. */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Redis's own CPU seconds so far (INFO cpu). */
async function redisCpuSeconds(redis: Redis | Cluster): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? NaN);
  return field('used_cpu_user') + field('used_cpu_sys');
}

type Slice = Awaited<ReturnType<typeof runWrk>> & { cpuUsPerRequest: number; redisCpuUsPerRequest: number };

/** Runs wrk and reports, beside its figures, the CPU the server process and Redis spent per request (µs). */
async function measure(pid: number | undefined, redis: Redis | Cluster, url: string, opts: Parameters<typeof runWrk>[1]): Promise<Slice> {
  const before = cpuSeconds(pid);
  const redisBefore = await redisCpuSeconds(redis);
  const result = await runWrk(url, opts);
  const requests = result.requestsPerSecond * (opts.seconds ?? 10);
  const perRequest = (seconds: number) => Number(((seconds / requests) * 1e6).toFixed(0));
  return {
    ...result,
    cpuUsPerRequest: perRequest(cpuSeconds(pid) - before),
    redisCpuUsPerRequest: perRequest((await redisCpuSeconds(redis)) - redisBefore),
  };
}

/** The median of each figure over the slices, and the worst p99. */
function summarise(slices: Slice[]) {
  return {
    requestsPerSecond: Number(median(slices.map((x) => x.requestsPerSecond)).toFixed(0)),
    p50Ms: median(slices.map((x) => x.p50Ms)),
    p99Ms: median(slices.map((x) => x.p99Ms)),
    worstP99Ms: Math.max(...slices.map((x) => x.p99Ms)),
    cpuUsPerRequest: median(slices.map((x) => x.cpuUsPerRequest)),
    redisCpuUsPerRequest: median(slices.map((x) => x.redisCpuUsPerRequest)),
    non2xx: slices.reduce((n, x) => n + x.non2xx, 0),
    errors: slices.reduce((n, x) => n + x.errors, 0),
  };
}

async function main() {
  requireBinary('wrk', 'wrk');
  const seconds = Number(process.argv[2] ?? 4);
  // Several registries (or one busy one with a few notification endpoints) sending at once.
  const connections = Number(process.argv[3] ?? 8);
  const pairs = Number(process.argv[4] ?? 5);
  const script = join(__dirname, 'envelope.lua');
  const redis = await startRedis();
  const receiverPort = await freePort();
  const opsPort = await freePort();
  const configFile = writeConfigFile({
    redis: { url: redis.url },
    registries: [{ name: 'local', url: 'http://127.0.0.1:5000' }],
    webhooks: [{ name: 'local', source: 'distribution', registry: 'local', auth: { type: 'bearer', tokenEnv: 'WEBHOOK_TOKEN' } }],
    receiver: { host: '127.0.0.1' },
    log: { level: 'warn' },
  });
  // The production form of the service: the esbuild bundle on plain node (as in the Docker image).
  execFileSync(process.execPath, ['tools/build.mjs', 'apps/webhook-receiver'], { cwd: repoRoot() });
  const receiverProc = ManagedProcess.start(process.execPath, [join(repoRoot(), 'dist/apps/webhook-receiver/main.js')], {
    logFile: join(makeTempDir('receiver'), 'receiver.log'),
    env: {
      ...process.env,
      SIGNET_CONFIG: configFile,
      PORT: String(receiverPort),
      OPS_PORT: String(opsPort),
      WEBHOOK_TOKEN: 'bench-token-0123456789',
    },
  });
  const receiver = { url: `http://127.0.0.1:${receiverPort}`, stop: () => receiverProc.stop() };
  await waitFor(async () => (await fetch(`http://127.0.0.1:${opsPort}/readyz`)).status === 200, 20_000, 'receiver ready');
  const barePort = await freePort();
  const bare = ManagedProcess.start(process.execPath, [join(__dirname, 'bare-express.js')], {
    logFile: join(makeTempDir('bare'), 'bare.log'),
    env: { ...process.env, PORT: String(barePort) },
  });
  await waitFor(async () => (await fetch(`http://127.0.0.1:${barePort}/`)).status === 404, 10_000, 'bare express');
  const connection = createRedisConnection({ url: redis.url, role: 'producer' });
  try {
    // Warm both up (JIT, connections) before measuring.
    await runWrk(`http://127.0.0.1:${barePort}/webhooks/local`, { seconds: 3, script, connections });
    await runWrk(`${receiver.url}/webhooks/local`, { seconds: 3, script, connections });
    const baselineSlices: Slice[] = [];
    const signetSlices: Slice[] = [];
    const ratios: number[] = [];
    for (let i = 0; i < pairs; i++) {
      const b = await measure(bare.pid, connection, `http://127.0.0.1:${barePort}/webhooks/local`, { seconds, script, connections });
      const r = await measure(receiverProc.pid, connection, `${receiver.url}/webhooks/local`, { seconds, script, connections });
      baselineSlices.push(b);
      signetSlices.push(r);
      ratios.push(r.requestsPerSecond / b.requestsPerSecond);
      console.error(
        `  slice ${i + 1}/${pairs}: bare ${b.requestsPerSecond.toFixed(0)} req/s, receiver ${r.requestsPerSecond.toFixed(0)} events/s, ratio ${ratios[i]!.toFixed(2)}`,
      );
    }
    const queue = openPushQueue(connection, '{signet}');
    const queued = (await queue.getJobCounts('waiting')).waiting ?? 0;
    await queue.close();
    const baseline = summarise(baselineSlices);
    const signet = summarise(signetSlices);
    const ratio = median(ratios);
    const sliceRatios = ratios.map((x) => Number(x.toFixed(3)));
    console.log(
      JSON.stringify({
        bench: 'receiver',
        connections,
        seconds,
        pairs,
        baseline,
        signet,
        ratio: Number(ratio.toFixed(3)),
        sliceRatios,
        queuedJobs: queued,
      }),
    );
    console.log(
      `receiver: ${signet.requestsPerSecond} events/s, p99 ${signet.p99Ms.toFixed(2)} ms (worst slice ${signet.worstP99Ms.toFixed(2)}), ` +
        `${signet.cpuUsPerRequest} µs CPU/event + ${signet.redisCpuUsPerRequest} µs in Redis | ` +
        `bare express: ${baseline.requestsPerSecond} req/s, p99 ${baseline.p99Ms.toFixed(2)} ms, ${baseline.cpuUsPerRequest} µs CPU/req | ` +
        `ratio ${ratio.toFixed(2)}x (median of ${pairs} slice pairs, ${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}; target >= 0.5x, p99 <= 20 ms) | ` +
        `${connections} connections, non-2xx ${signet.non2xx}, queued ${queued}`,
    );
  } finally {
    connection.disconnect();
    await receiver.stop();
    await bare.stop();
    await redis.teardown();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
