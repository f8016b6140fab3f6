/**
 * Receiver throughput: Distribution push envelopes (each a new event) through the real receiver process into
 * real Redis, against a bare express handler answering 202, both driven by wrk in the same run.
 * Run: npx tsx tools/bench/receiver/bench.ts [seconds]
 */
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { createRedisConnection, QueueNames } from '@signet/queue';
import { freePort, ManagedProcess, makeTempDir, requireBinary, startRedis, startService, waitFor, writeConfigFile } from '@signet/testing';
import { runWrk } from '../lib/wrk';

async function main() {
  requireBinary('wrk', 'wrk');
  const seconds = Number(process.argv[2] ?? 10);
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
  const receiver = await startService('webhook-receiver', { configFile, port: receiverPort, env: { WEBHOOK_TOKEN: 'bench-token' } });
  const barePort = await freePort();
  const bare = ManagedProcess.start(process.execPath, [join(__dirname, 'bare-express.js')], {
    logFile: join(makeTempDir('bare'), 'bare.log'),
    env: { ...process.env, PORT: String(barePort) },
  });
  await waitFor(async () => (await fetch(`http://127.0.0.1:${barePort}/`)).status === 404, 10_000, 'bare express');
  try {
    // Warm both up (JIT, connections) before measuring.
    await runWrk(`http://127.0.0.1:${barePort}/webhooks/local`, { seconds: 2, script });
    await runWrk(`${receiver.url}/webhooks/local`, { seconds: 2, script });
    const baseline = await runWrk(`http://127.0.0.1:${barePort}/webhooks/local`, { seconds, script });
    const signet = await runWrk(`${receiver.url}/webhooks/local`, { seconds, script });
    const connection = createRedisConnection({ url: redis.url, role: 'producer' });
    const queue = new Queue(QueueNames.push, { connection, prefix: '{signet}' });
    const queued = (await queue.getJobCounts('waiting')).waiting ?? 0;
    await queue.close();
    connection.disconnect();
    const ratio = signet.requestsPerSecond / baseline.requestsPerSecond;
    console.log(JSON.stringify({ bench: 'receiver', baseline, signet, ratio: Number(ratio.toFixed(3)), queuedJobs: queued }));
    console.log(
      `receiver: ${signet.requestsPerSecond.toFixed(0)} events/s, p99 ${signet.p99Ms.toFixed(2)} ms | ` +
        `bare express: ${baseline.requestsPerSecond.toFixed(0)} req/s, p99 ${baseline.p99Ms.toFixed(2)} ms | ` +
        `ratio ${ratio.toFixed(2)}x (target >= 0.5x, p99 <= 20 ms) | non-2xx ${signet.non2xx}, queued ${queued}`,
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
