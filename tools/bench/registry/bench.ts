/**
 * Registry client overhead and signature store throughput against a real Distribution registry started here.
 * Prints manifest HEADs/s through RegistryClient vs a bare undici Pool loop at the same concurrency (target:
 * client ≥ 0.8× bare), then signatures stored/s (read-modify-write of distinct `.sig` tags). One JSON line per
 * metric, then a summary. Run: npx tsx tools/bench/registry/bench.ts
 */
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { Pool } from 'undici';
import { MANIFEST_ACCEPT } from '@signet/oci';
import { RegistryClient } from '@signet/registry';
import { SignatureStore } from '@signet/signatures';
import { pushImage, startRegistry } from '@signet/testing';

const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 3000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const SIGNATURES = Number(process.env.BENCH_SIGNATURES ?? 40);

/** Runs `fn` from `CONCURRENCY` loops for DURATION_MS; returns completed calls per second. */
async function rate(fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 20; i++) await fn(); // warm-up: connections, auth, JIT
  let ops = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() - start < DURATION_MS) {
        await fn();
        ops++;
      }
    }),
  );
  return (ops * 1000) / (performance.now() - start);
}

async function main(): Promise<void> {
  const registry = await startRegistry();
  const pool = new Pool(registry.url, { connections: CONCURRENCY, pipelining: 1 });
  const client = new RegistryClient({ name: 'bench', url: registry.url, insecure: true, dockerConfig: false, maxConcurrency: CONCURRENCY });
  try {
    await pushImage(registry.url, 'bench/app:1');
    const bare = await rate(async () => {
      const res = await pool.request({ method: 'HEAD', path: '/v2/bench/app/manifests/1', headers: { accept: MANIFEST_ACCEPT } });
      await res.body.dump();
      if (res.statusCode !== 200) throw new Error(`HEAD: ${res.statusCode}`);
    });
    const viaClient = await rate(() => client.headManifest('bench/app', '1'));

    const store = new SignatureStore(client, { settleMs: 0 });
    const digests: string[] = [];
    for (let i = 0; i < SIGNATURES; i++) digests.push(await pushImage(registry.url, `bench/signed:${i}`));
    let next = 0;
    const start = performance.now();
    await Promise.all(
      Array.from({ length: Math.min(CONCURRENCY, 4) }, async () => {
        for (let i = next++; i < digests.length; i = next++) {
          const digest = digests[i]!;
          const payload = Buffer.from(`{"critical":{"image":{"docker-manifest-digest":"${digest}"}},"optional":null}`);
          await store.append('bench/signed', digest, { payload, signature: randomBytes(70).toString('base64') });
        }
      }),
    );
    const stored = (digests.length * 1000) / (performance.now() - start);

    const lines = [
      { metric: 'manifest_head_per_second', via: 'undici', value: bare, concurrency: CONCURRENCY },
      { metric: 'manifest_head_per_second', via: 'client', value: viaClient, concurrency: CONCURRENCY },
      { metric: 'client_to_bare_ratio', value: viaClient / bare, target: 0.8 },
      { metric: 'signatures_stored_per_second', value: stored, signatures: digests.length },
    ];
    for (const l of lines) console.log(JSON.stringify(l));
    console.log(
      `\nmanifest HEADs/s: client ${viaClient.toFixed(0)} vs bare undici ${bare.toFixed(0)} at concurrency ${CONCURRENCY}` +
        ` = ${(viaClient / bare).toFixed(2)}× (target ≥ 0.80×)\nsignatures stored/s: ${stored.toFixed(1)} (${digests.length} distinct digests)`,
    );
  } finally {
    await Promise.all([client.close(), pool.close()]);
    await registry.teardown();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
