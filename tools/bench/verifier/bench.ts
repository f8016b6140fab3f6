/**
 * Verifier rescan benchmark: pushes 10,000 tags to a real registry (shared blobs, manifests PUT directly),
 * runs a full rescan, and compares its tags/s with the registry's raw manifest GET rate over the same tags,
 * measured by `wrk` before and after in the same run (the rate of one tag fetched over and over, which the
 * registry serves from warm caches, is printed beside it). Then rescans unchanged (must fetch 0 signatures)
 * and reports Redis memory per tag.
 *
 *   npx tsx tools/bench/verifier/bench.ts [--tags 10000] [--concurrency 16]
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { parseConfig } from '@signet/config';
import { MetricsRegistry } from '@signet/observability';
import { buildRandomImage } from '@signet/testing';
// The benchmark drives the verifier's own scan code.
import { closeContext, createVerifierContext, createVerifierMetrics, scanRepository } from '@signet/verification';
import { runBench, type BenchEnv } from '../lib/bench-env';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const TAGS = arg('tags', 10_000);
const CONCURRENCY = arg('concurrency', 16);
const REPO = 'bench/app';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}

async function pushTags(url: string): Promise<void> {
  const image = buildRandomImage('bench');
  for (const [digest, data] of image.blobs) {
    const start = await fetch(`${url}/v2/${REPO}/blobs/uploads/`, { method: 'POST' });
    const loc = new URL(start.headers.get('location') ?? '', url);
    loc.searchParams.set('digest', digest);
    const put = await fetch(loc, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: data });
    if (put.status !== 201) throw new Error(`blob upload: HTTP ${put.status}`);
  }
  const base = JSON.parse(image.manifest.toString()) as Record<string, unknown>;
  const tags = Array.from({ length: TAGS }, (_, i) => `t${String(i).padStart(5, '0')}`);
  await pool(tags, 32, async (tag) => {
    // Same blobs, a unique annotation: a distinct manifest digest per tag.
    const body = JSON.stringify({ ...base, annotations: { 'org.example.tag': tag } });
    const res = await fetch(`${url}/v2/${REPO}/manifests/${tag}`, { method: 'PUT', headers: { 'content-type': OCI_MANIFEST }, body });
    if (res.status !== 201) throw new Error(`PUT ${tag}: HTTP ${res.status}`);
  });
}

/**
 * The registry's raw manifest GET rate by wrk: of one tag over and over (`one`), or of tags drawn at random
 * from all the pushed ones (`all`), which is the rescan's own workload without Signet in it.
 */
function wrkGetRate(url: string, dir: string, tags: 'one' | 'all'): number {
  const script = join(dir, `get-${tags}.lua`);
  writeFileSync(
    script,
    tags === 'one'
      ? `wrk.headers["Accept"] = "${OCI_MANIFEST}"\n`
      : `wrk.headers["Accept"] = "${OCI_MANIFEST}"\n` +
          `request = function() return wrk.format("GET", string.format("/v2/${REPO}/manifests/t%05d", math.random(0, ${TAGS - 1}))) end\n`,
  );
  const out = execFileSync('wrk', ['-t2', `-c${CONCURRENCY}`, '-d5s', '-s', script, `${url}/v2/${REPO}/manifests/t00001`]).toString();
  const m = /Requests\/sec:\s+([\d.]+)/.exec(out);
  if (!m) throw new Error(`cannot read wrk output:\n${out}`);
  if (/Non-2xx/.test(out)) throw new Error(`wrk saw non-2xx answers:\n${out}`);
  return Number(m[1]);
}

async function main({ dir, redis, registry }: BenchEnv): Promise<void> {
  const conn = new Redis(redis.url);
  try {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    writeFileSync(join(dir, 'cosign.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
    const config = parseConfig(
      {
        redis: { url: redis.url },
        registries: [{ name: 'bench', url: registry.url, maxConcurrency: CONCURRENCY, repositories: [REPO] }],
        verifier: { keys: [join(dir, 'cosign.pub')], gracePeriod: '0s', rescan: { every: '1h', tagConcurrency: CONCURRENCY } },
      },
      { env: {}, app: 'verifier' },
    );
    let t = Date.now();
    await pushTags(registry.url);
    console.log(`pushed ${TAGS} tags in ${((Date.now() - t) / 1000).toFixed(1)} s`);

    const oneTagRate = wrkGetRate(registry.url, dir, 'one');
    const allTagsBefore = wrkGetRate(registry.url, dir, 'all');
    const memBefore = Number(/used_memory:(\d+)/.exec(await conn.info('memory'))?.[1]);
    const metricsRegistry = new MetricsRegistry();
    const metrics = createVerifierMetrics(metricsRegistry);
    const ctx = await createVerifierContext({ config, redis: conn, metrics });
    const fetched = async () => (await metrics.signaturesFetched.get()).values.reduce((s, v) => s + v.value, 0);

    t = Date.now();
    const first = await scanRepository(ctx, 'bench', REPO);
    const firstSecs = (Date.now() - t) / 1000;
    const fetchedFirst = await fetched();
    t = Date.now();
    const second = await scanRepository(ctx, 'bench', REPO);
    const secondSecs = (Date.now() - t) / 1000;
    const fetchedSecond = (await fetched()) - fetchedFirst;
    await closeContext(ctx);
    // Measured before and after the rescans, so a drift in the machine's speed falls on both sides.
    const rawRate = (allTagsBefore + wrkGetRate(registry.url, dir, 'all')) / 2;

    const memAfter = Number(/used_memory:(\d+)/.exec(await conn.info('memory'))?.[1]);
    const hashKey = `${config.redis.prefix}:tags:bench/${REPO}`;
    const hashBytes = Number(await conn.call('MEMORY', 'USAGE', hashKey, 'SAMPLES', '0'));
    const firstRate = first.tags.length / firstSecs;
    const secondRate = second.tags.length / secondSecs;
    const report = {
      tags: first.tags.length,
      errors: first.errors + second.errors,
      wrkManifestGetsPerSec: Math.round(rawRate),
      wrkOneTagGetsPerSec: Math.round(oneTagRate),
      firstRescanRatioToOneTagGet: +(firstRate / oneTagRate).toFixed(2),
      firstRescan: {
        seconds: firstSecs,
        tagsPerSec: Math.round(firstRate),
        ratioToRawGet: +(firstRate / rawRate).toFixed(2),
        signaturesFetched: fetchedFirst,
      },
      unchangedRescan: {
        seconds: secondSecs,
        tagsPerSec: Math.round(secondRate),
        ratioToRawGet: +(secondRate / rawRate).toFixed(2),
        signaturesFetched: fetchedSecond,
      },
      redisBytesPerTag: {
        tagHash: Math.round(hashBytes / first.tags.length),
        allVerifierState: Math.round((memAfter - memBefore) / first.tags.length),
      },
    };
    console.log(JSON.stringify({ bench: 'verifier', ...report }));
    console.log(
      `verifier: full rescan ${report.firstRescan.tagsPerSec} tags/s vs registry manifest GET of the same tags ${report.wrkManifestGetsPerSec}/s = ` +
        `${report.firstRescan.ratioToRawGet}x (target >= 0.5x; of one tag over and over ${report.wrkOneTagGetsPerSec}/s: ${report.firstRescanRatioToOneTagGet}x); unchanged rescan ${report.unchangedRescan.tagsPerSec} tags/s fetching ` +
        `${report.unchangedRescan.signaturesFetched} signatures; Redis ${report.redisBytesPerTag.allVerifierState} B per tag`,
    );
    const ok = report.unchangedRescan.signaturesFetched === 0 && report.errors === 0;
    process.exitCode = ok ? 0 : 1;
  } finally {
    conn.disconnect();
  }
}

runBench('verifier', main);
