/**
 * Receiver throughput: Distribution push envelopes (each a new event) through the real receiver process into
 * real Redis, against a bare express handler answering 202, both driven by wrk in the same run.
 * Run: npx tsx tools/bench/receiver/bench.ts [seconds]
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { createRedisConnection, QueueNames } from '@signet/queue';
import { freePort, ManagedProcess, makeTempDir, repoRoot, requireBinary, startRedis, waitFor, writeConfigFile } from '@signet/testing';
import { runWrk } from '../lib/wrk';

/** CPU seconds a process has used so far (all its threads), from /proc. */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Runs wrk and reports, beside its figures, the CPU the server process spent per request (µs). */
async function measure(pid: number | undefined, url: string, opts: Parameters<typeof runWrk>[1]) {
  const before = cpuSeconds(pid);
  const result = await runWrk(url, opts);
  const spent = cpuSeconds(pid) - before;
  const cpuUsPerRequest = (spent / (result.requestsPerSecond * (opts.seconds ?? 10))) * 1e6;
  return { ...result, cpuUsPerRequest: Number(cpuUsPerRequest.toFixed(0)) };
}

async function main() {
  requireBinary('wrk', 'wrk');
  const seconds = Number(process.argv[2] ?? 10);
  // Several registries (or one busy one with a few notification endpoints) sending at once.
  const connections = Number(process.argv[3] ?? 8);
  const script = join(__dirname, 'envelope.lua');
  const redis = await startRedis();
  const receiverPort = await freePort();
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
    env: { ...process.env, SIGNET_CONFIG: configFile, PORT: String(receiverPort), WEBHOOK_TOKEN: 'bench-token' },
  });
  const receiver = { url: `http://127.0.0.1:${receiverPort}`, stop: () => receiverProc.stop() };
  await waitFor(async () => (await fetch(`${receiver.url}/readyz`)).status === 200, 20_000, 'receiver ready');
  const barePort = await freePort();
  const bare = ManagedProcess.start(process.execPath, [join(__dirname, 'bare-express.js')], {
    logFile: join(makeTempDir('bare'), 'bare.log'),
    env: { ...process.env, PORT: String(barePort) },
  });
  await waitFor(async () => (await fetch(`http://127.0.0.1:${barePort}/`)).status === 404, 10_000, 'bare express');
  try {
    // Warm both up (JIT, connections) before measuring.
    await runWrk(`http://127.0.0.1:${barePort}/webhooks/local`, { seconds: 2, script, connections });
    await runWrk(`${receiver.url}/webhooks/local`, { seconds: 2, script, connections });
    const baseline = await measure(bare.pid, `http://127.0.0.1:${barePort}/webhooks/local`, { seconds, script, connections });
    const signet = await measure(receiverProc.pid, `${receiver.url}/webhooks/local`, { seconds, script, connections });
    const connection = createRedisConnection({ url: redis.url, role: 'producer' });
    const queue = new Queue(QueueNames.push, { connection, prefix: '{signet}' });
    const queued = (await queue.getJobCounts('waiting')).waiting ?? 0;
    await queue.close();
    connection.disconnect();
    const ratio = signet.requestsPerSecond / baseline.requestsPerSecond;
    console.log(JSON.stringify({ bench: 'receiver', connections, baseline, signet, ratio: Number(ratio.toFixed(3)), queuedJobs: queued }));
    console.log(
      `receiver: ${signet.requestsPerSecond.toFixed(0)} events/s, p99 ${signet.p99Ms.toFixed(2)} ms, ${signet.cpuUsPerRequest} µs CPU/event | ` +
        `bare express: ${baseline.requestsPerSecond.toFixed(0)} req/s, p99 ${baseline.p99Ms.toFixed(2)} ms, ${baseline.cpuUsPerRequest} µs CPU/req | ` +
        `ratio ${ratio.toFixed(2)}x (target >= 0.5x, p99 <= 20 ms) | ${connections} connections, non-2xx ${signet.non2xx}, queued ${queued}`,
    );
  } finally {
    await receiver.stop();
    await bare.stop();
    await redis.teardown();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
