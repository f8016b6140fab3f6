/**
 * Signer throughput against a real Distribution registry and Redis started here (no registry auth, so
 * bcrypt does not dominate). Three figures, measured in the same run:
 *  1. signer: BENCH_PUSHES trusted push jobs enqueued straight into `signet.push` (images pushed first), signed
 *     by 1, 2 and 4 signer replicas, each its own process (`tsx apps/signer/src/main.ts`, as
 *     `npm run start:signer`), BENCH_SIGNER_CONCURRENCY jobs at once per replica; signatures/s from enqueue to
 *     the last job completed.
 *  2. raw: the same request sequence the signer sends per push (HEAD tag; HEAD/POST/PUT payload blob; GET .sig;
 *     HEAD/POST/PUT config blob; PUT .sig manifest; GET .sig twice) by a bare undici Pool with precomputed
 *     signatures, at BENCH_RAW_CONCURRENCY. Target: signer ≥ 0.5× raw.
 *  3. CI script: `signet sign` run once per image (BENCH_CLI_IMAGES images, one after another). Target:
 *     signer ≥ 20× that.
 *  4. HSM: one replica signing with a SoftHSM2 token key (signer.key.uri = pkcs11:…) and one with the software
 *     key, in BENCH_KEY_PAIRS pairs of alternating order (the host's speed drifts), BENCH_PUSHES/2 pushes each;
 *     the median of the pairs' ratios. Target: the token costs ≤ 10% of the signer's throughput (≥ 0.9), the
 *     local registry being the bottleneck.
 * Run: npx tsx tools/bench/signer/bench.ts
 */
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { Pool } from 'undici';
import { buildPayload, generateCosignKeyPair, loadPrivateKeyPem, signingKeyFromPrivateKey } from '@signet/crypto';
import { keyProviderFromRef } from '@signet/keys';
import { pushJobId, createRedisConnection, defaultJobOptions, JobNames, openPushQueue, type PushJob } from '@signet/queue';
import { digestOf, MANIFEST_ACCEPT, OCI_MANIFEST, signatureTag } from '@signet/oci';
import { signatureImage, signatureLayer } from '@signet/signatures';
import {
  freePort,
  makeTempDir,
  pushEvent,
  pushImage,
  removeDir,
  repoRoot,
  startRedis,
  startRegistry,
  startService,
  startSoftHsmToken,
  waitFor,
  writeConfigFile,
  writeKeyPair,
  type RunningService,
} from '@signet/testing';

const PUSHES = Number(process.env.BENCH_PUSHES ?? 500);
const REPLICAS = (process.env.BENCH_REPLICAS ?? '1,2,4').split(',').map(Number);
const SIGNER_CONCURRENCY = Number(process.env.BENCH_SIGNER_CONCURRENCY ?? 8);
const RAW_CONCURRENCY = Number(process.env.BENCH_RAW_CONCURRENCY ?? 8);
const CLI_IMAGES = Number(process.env.BENCH_CLI_IMAGES ?? 20);
const PASSWORD = 'bench-pw';
const PREFIX = '{signet}';
const KEY_PAIRS = Number(process.env.BENCH_KEY_PAIRS ?? 3);
const TOKEN_PIN = '1234';

async function pushMany(registryUrl: string, repo: string, count: number): Promise<{ tag: string; digest: string }[]> {
  const out: { tag: string; digest: string }[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let i = next++; i < count; i = next++) out[i] = { tag: `t${i}`, digest: await pushImage(registryUrl, `${repo}:t${i}`) };
    }),
  );
  return out;
}

function pushJob(repository: string, image: { tag: string; digest: string }) {
  const event: PushJob['event'] = pushEvent({
    registry: 'bench',
    repository,
    ...image,
    actor: 'ci',
    eventId: `bench-${image.digest}`,
    mediaType: OCI_MANIFEST,
  });
  return {
    name: JobNames.push,
    data: { v: 1, event, receivedAt: new Date().toISOString() } satisfies PushJob,
    opts: { ...defaultJobOptions, jobId: pushJobId(event) },
  };
}

async function main(): Promise<void> {
  const dir = makeTempDir('bench-signer');
  const [redis, registry, keys] = await Promise.all([startRedis(), startRegistry(), generateCosignKeyPair(PASSWORD)]);
  const keyFile = writeKeyPair(dir, 'cosign', keys).key;
  const key = signingKeyFromPrivateKey(await loadPrivateKeyPem(keys.privateKeyPem, PASSWORD));
  const connection = createRedisConnection({ url: redis.url, role: 'worker' });
  const queue = openPushQueue(connection, PREFIX);
  const signerConfig = (key: Record<string, unknown>, name: string) =>
    writeConfigFile(
      {
        redis: { url: redis.url, prefix: PREFIX },
        registries: [{ name: 'bench', url: registry.url, maxConcurrency: SIGNER_CONCURRENCY }],
        signer: { key, trust: [{ registry: 'bench', repositories: ['**'], actors: ['ci'] }], concurrency: SIGNER_CONCURRENCY },
        log: { level: 'warn' },
      },
      mkdirSync(join(dir, name), { recursive: true }) ?? join(dir, name),
    );
  const configFile = signerConfig({ path: keyFile, passwordEnv: 'COSIGN_PASSWORD' }, 'software');
  const hsm = await startSoftHsmToken('bench', TOKEN_PIN, { label: 'signer', id: '01' });
  const hsmUri = hsm.uri('token=bench;object=signer');
  const hsmConfigFile = signerConfig({ uri: hsmUri, passwordEnv: 'SIGNET_TOKEN_PIN' }, 'hsm');
  const results: Record<string, number> = {};

  /** Signatures/s of `replicas` signer processes over `pushes` freshly pushed images in `repo`. */
  async function signerRound(
    repo: string,
    replicas: number,
    config: string,
    env: Record<string, string>,
    pushes = PUSHES,
  ): Promise<number> {
    const images = await pushMany(registry.url, repo, pushes);
    const services: RunningService[] = await Promise.all(
      Array.from({ length: replicas }, async () => startService('signer', { configFile: config, port: await freePort(), env })),
    );
    try {
      const before = (await queue.getJobCounts('completed')).completed ?? 0;
      const start = performance.now();
      await queue.addBulk(images.map((img) => pushJob(repo, img)));
      await waitFor(
        async () => ((await queue.getJobCounts('completed')).completed ?? 0) - before >= pushes,
        600_000,
        'every push job completed',
      );
      const seconds = (performance.now() - start) / 1000;
      const failed = (await queue.getJobCounts('failed')).failed ?? 0;
      if (failed > 0) throw new Error(`${failed} push jobs failed`);
      console.log(
        JSON.stringify({
          metric: 'signer_signatures_per_second',
          key: config === hsmConfigFile ? 'softhsm2' : 'software',
          replicas,
          concurrencyPerReplica: SIGNER_CONCURRENCY,
          pushes,
          seconds: +seconds.toFixed(2),
          rate: +(pushes / seconds).toFixed(1),
        }),
      );
      return pushes / seconds;
    } finally {
      await Promise.all(services.map((s) => s.stop()));
    }
  }

  try {
    // 1. The signer with 1, 2 and 4 replicas, each round on its own freshly pushed images.
    for (const replicas of REPLICAS) {
      results[`signer_${replicas}_replicas`] = await signerRound(`bench/signer-${replicas}`, replicas, configFile, {
        COSIGN_PASSWORD: PASSWORD,
      });
    }

    // 2. The same requests per push from a bare undici Pool, signatures computed beforehand.
    const rawRepo = 'bench/raw';
    const rawImages = await pushMany(registry.url, rawRepo, PUSHES);
    const prepared = await Promise.all(
      rawImages.map(async (img) => {
        const payload = buildPayload({ dockerReference: `${registry.host}/${rawRepo}:${img.tag}`, manifestDigest: img.digest });
        const image = signatureImage([signatureLayer(payload, await key.sign(payload))], OCI_MANIFEST);
        return { ...img, payload, config: image.config, manifest: image.manifest };
      }),
    );
    const pool = new Pool(registry.url, { connections: RAW_CONCURRENCY, pipelining: 1 });
    const send = async (method: 'GET' | 'HEAD' | 'PUT' | 'POST', path: string, ok: number[], body?: Buffer, contentType?: string) => {
      const res = await pool.request({
        method,
        path,
        headers: { accept: MANIFEST_ACCEPT, ...(contentType ? { 'content-type': contentType } : {}) },
        ...(body ? { body } : {}),
      });
      await res.body.dump();
      if (!ok.includes(res.statusCode)) throw new Error(`${method} ${path}: ${res.statusCode}`);
      return res;
    };
    const upload = async (blob: Buffer) => {
      const digest = digestOf(blob);
      await send('HEAD', `/v2/${rawRepo}/blobs/${digest}`, [200, 404]);
      const started = await send('POST', `/v2/${rawRepo}/blobs/uploads/`, [202]);
      const location = new URL(String(started.headers.location), registry.url);
      location.searchParams.set('digest', digest);
      await send('PUT', location.pathname + location.search, [201], blob, 'application/octet-stream');
    };
    let next = 0;
    const rawStart = performance.now();
    await Promise.all(
      Array.from({ length: RAW_CONCURRENCY }, async () => {
        for (let i = next++; i < prepared.length; i = next++) {
          const p = prepared[i]!;
          const sigPath = `/v2/${rawRepo}/manifests/${signatureTag(p.digest)}`;
          await send('HEAD', `/v2/${rawRepo}/manifests/${p.tag}`, [200]);
          await upload(p.payload);
          await send('GET', sigPath, [404]);
          await upload(p.config);
          await send('PUT', sigPath, [201], p.manifest, OCI_MANIFEST);
          await send('GET', sigPath, [200]);
          await send('GET', sigPath, [200]);
        }
      }),
    );
    const rawSeconds = (performance.now() - rawStart) / 1000;
    await pool.close();
    results.raw = PUSHES / rawSeconds;
    console.log(
      JSON.stringify({
        metric: 'raw_undici_sequences_per_second',
        concurrency: RAW_CONCURRENCY,
        requestsPerPush: 11,
        pushes: PUSHES,
        seconds: +rawSeconds.toFixed(2),
        rate: +results.raw.toFixed(1),
      }),
    );

    // 3. A CI script: one `signet sign` process per image.
    const cliImages = await pushMany(registry.url, 'bench/cli', CLI_IMAGES);
    const cli = join(repoRoot(), 'apps/cli/bin/signet.js');
    const cliStart = performance.now();
    for (const img of cliImages) {
      await promisify(execFile)(
        process.execPath,
        [cli, 'sign', '--key', keyFile, '--allow-insecure-registry', `${registry.host}/bench/cli:${img.tag}`],
        {
          env: { PATH: process.env.PATH, HOME: dir, COSIGN_PASSWORD: PASSWORD },
        },
      );
    }
    const cliSeconds = (performance.now() - cliStart) / 1000;
    results.cli = CLI_IMAGES / cliSeconds;
    console.log(
      JSON.stringify({
        metric: 'signet_sign_per_image_per_second',
        images: CLI_IMAGES,
        seconds: +cliSeconds.toFixed(2),
        rate: +results.cli.toFixed(2),
      }),
    );

    // 4. The token key beside the software key, one replica each, in pairs of alternating order.
    const half = Math.ceil(PUSHES / 2);
    const software = (i: number) => signerRound(`bench/key-software-${i}`, 1, configFile, { COSIGN_PASSWORD: PASSWORD }, half);
    const token = (i: number) => signerRound(`bench/key-softhsm-${i}`, 1, hsmConfigFile, { ...hsm.env, SIGNET_TOKEN_PIN: TOKEN_PIN }, half);
    const pairs: { software: number; hsm: number }[] = [];
    for (let i = 0; i < KEY_PAIRS; i++) {
      if (i % 2 === 0) pairs.push({ software: await software(i), hsm: await token(i) });
      else pairs.push({ hsm: await token(i), software: await software(i) });
    }
    const ratios = pairs.map((p) => p.hsm / p.software).sort((a, b) => a - b);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    results.software = mean(pairs.map((p) => p.software));
    results.hsm = mean(pairs.map((p) => p.hsm));
    results.hsmRatio = ratios[Math.floor(ratios.length / 2)]!;
    console.log(
      JSON.stringify({
        metric: 'softhsm2_over_software_key',
        pairs: KEY_PAIRS,
        pushesPerRound: half,
        ratios: ratios.map((r) => +r.toFixed(3)),
        median: +results.hsmRatio.toFixed(3),
      }),
    );
    // What the token alone costs: signatures through @signet/keys in this process, no registry, 8 in flight.
    const provider = keyProviderFromRef(hsmUri, { pin: TOKEN_PIN });
    const tokenKey = await provider.load();
    const payload = buildPayload({ dockerReference: `${registry.host}/bench/app:t`, manifestDigest: rawImages[0]!.digest });
    let signed = 0;
    const tokenStart = performance.now();
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (signed++ < 2000) await tokenKey.sign(payload);
      }),
    );
    results.tokenOnly = 2000 / ((performance.now() - tokenStart) / 1000);
    await provider.close?.();
    console.log(
      JSON.stringify({
        metric: 'softhsm2_signatures_per_second_without_registry',
        inFlight: 8,
        signatures: 2000,
        rate: +results.tokenOnly.toFixed(0),
      }),
    );

    const best = Math.max(...REPLICAS.map((n) => results[`signer_${n}_replicas`] ?? 0));
    console.log('\nsummary');
    for (const n of REPLICAS)
      console.log(`  signer, ${n} replica(s) x ${SIGNER_CONCURRENCY}: ${results[`signer_${n}_replicas`]!.toFixed(1)} signatures/s`);
    console.log(`  bare undici, same requests:  ${results.raw.toFixed(1)} sequences/s`);
    console.log(`  signet sign per image (CI):  ${results.cli.toFixed(2)} images/s`);
    console.log(
      `  signer (1 replica) / raw = ${(results.signer_1_replicas! / results.raw).toFixed(2)} (target ≥ 0.5); best / raw = ${(best / results.raw).toFixed(2)}`,
    );
    console.log(`  signer (1 replica) / CI script = ${(results.signer_1_replicas! / results.cli).toFixed(1)}x (target ≥ 20x)`);
    console.log(
      `  signer, 1 replica, SoftHSM2 key: ${results.hsm.toFixed(1)} signatures/s beside ${results.software.toFixed(1)} with the software key (means of ${KEY_PAIRS} rounds)`,
    );
    console.log(
      `  SoftHSM2 / software key ratio = ${results.hsmRatio.toFixed(2)}, median of ${KEY_PAIRS} pairs ${ratios.map((r) => r.toFixed(2)).join(' ')} (target ≥ 0.90: the token costs ≤ 10%)`,
    );
    console.log(`  the token alone, no registry: ${results.tokenOnly.toFixed(0)} signatures/s (8 in flight)`);
  } finally {
    await queue.close();
    connection.disconnect();
    await Promise.all([registry.teardown(), redis.teardown()]);
    hsm.teardown();
    removeDir(dir);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
