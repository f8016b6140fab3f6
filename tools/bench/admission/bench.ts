/**
 * Admission latency: the admission webhook (its esbuild bundle on plain node, as in the image) over HTTPS with
 * real Redis, a real registry and verifier state written by the verifier's own checkTag.
 *  1. a Pod with three containers whose digests Signet knows, driven by wrk in alternating slices against a bare
 *     HTTPS express handler answering `allowed: true` (same certificate, same body); targets p99 <= 5 ms and
 *     >= 0.5x the bare handler's reviews/s;
 *  2. digests Signet has never seen (signed, tag references the verifier has no state for): one review at a
 *     time, each verified live against the registry; target p99 <= 300 ms.
 * Printed beside the admission times other tools' users report, with their sources.
 * Run: npx tsx tools/bench/admission/bench.ts [seconds per slice = 4] [connections = 8] [slice pairs = 5] [fresh digests = 60]
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { join } from 'node:path';
import { parseConfig } from '@signet/config';
import { buildPayload, signBytes } from '@signet/crypto';
import { MetricsRegistry } from '@signet/observability';
import { RegistryClient } from '@signet/registry';
import { SignatureStore } from '@signet/signatures';
import {
  CI_BOT,
  freePort,
  makeCertificate,
  makeTempDir,
  ManagedProcess,
  pushImage,
  registryClientOptions,
  registryEntry,
  repoRoot,
  requireBinary,
  startRedisAndRegistry,
  waitFor,
  writeConfigFile,
  writeTrustedKey,
} from '@signet/testing';
import { checkTag, closeContext, createVerifierContext, createVerifierMetrics } from '@signet/verification';
import { Redis } from 'ioredis';
import { median } from '../lib/stats';
import { runWrk, type WrkResult } from '../lib/wrk';

/** What users of the tools that verify inside the request report (seconds), with where they said it. */
const ANCHORS = [
  { tool: 'Kyverno verifyImages', seconds: '~21 s for one Pod (8 containers)', source: 'https://github.com/kyverno/kyverno/issues/16657' },
  {
    tool: 'Kyverno verifyImages (ACR)',
    seconds: '~60 s, past the 30 s webhook timeout',
    source: 'https://github.com/kyverno/kyverno/issues/5184',
  },
  { tool: 'sigstore policy-controller', seconds: 'times out at 10 s', source: 'https://github.com/sigstore/policy-controller/issues/1863' },
  {
    tool: 'Gatekeeper external data (Ratify)',
    seconds: '3 s cap, then fails open',
    source: 'https://open-policy-agent.github.io/gatekeeper/website/docs/externaldata/',
  },
];

function pod(images: string[]) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { generateName: 'web-', namespace: 'default' },
    spec: { containers: images.map((image, i) => ({ name: `c${i}`, image, imagePullPolicy: 'IfNotPresent' })) },
  };
}
function review(object: unknown) {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: randomUUID(),
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      namespace: 'default',
      operation: 'CREATE',
      userInfo: { username: 'system:serviceaccount:kube-system:replicaset-controller', groups: ['system:serviceaccounts'] },
      object,
      oldObject: null,
      dryRun: false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' },
    },
  };
}

/** A wrk script POSTing `body` (a Lua long string, so the JSON needs no escaping). */
function wrkScript(body: string): string {
  const file = join(makeTempDir('wrk'), 'review.lua');
  writeFileSync(file, `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = [==[${body}]==]\n`);
  return file;
}

function postOnce(agent: Agent, port: number, body: string, ca: string): Promise<{ ms: number; allowed: boolean }> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/validate',
        method: 'POST',
        agent,
        ca,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () =>
          resolve({
            ms: Number(process.hrtime.bigint() - started) / 1e6,
            allowed: (JSON.parse(text) as { response: { allowed: boolean } }).response.allowed,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)] ?? NaN;

async function main() {
  requireBinary('wrk', 'wrk');
  const seconds = Number(process.argv[2] ?? 4);
  const connections = Number(process.argv[3] ?? 8);
  const pairs = Number(process.argv[4] ?? 5);
  const freshCount = Number(process.argv[5] ?? 60);
  const { redis, registry } = await startRedisAndRegistry();
  const dir = makeTempDir('admission-bench');
  const cert = makeCertificate();
  const keyFile = join(dir, 'tls.key');
  writeFileSync(keyFile, cert.key);
  const { privateKey, publicKeyPath } = writeTrustedKey(dir);
  const client = new RegistryClient(registryClientOptions(registry));
  const sigStore = new SignatureStore(client, { bundles: false });
  const signedPush = async (repo: string, tag: string) => {
    const digest = await pushImage(registry.url, `${repo}:${tag}`, CI_BOT);
    const payload = buildPayload({ dockerReference: `${registry.host}/${repo}:${tag}`, manifestDigest: digest });
    await sigStore.append(repo, digest, { payload, signature: signBytes(privateKey, payload).toString('base64') });
  };
  const doc = {
    redis: { url: redis.url },
    registries: [registryEntry(registry, { timeout: '5s' })],
    verifier: { keys: [publicKeyPath] },
    admission: { host: '127.0.0.1', tls: { certFile: cert.certFile, keyFile }, liveBudget: '3s' },
    log: { level: 'warn' },
  };
  const stateRedis = new Redis(redis.url);
  const known = ['team/web', 'team/sidecar', 'team/proxy'];
  for (const repo of known) await signedPush(repo, '1.0');
  const ctx = await createVerifierContext({
    config: parseConfig(doc, { env: { REGISTRY_PASSWORD: CI_BOT.password } }),
    redis: stateRedis,
    metrics: createVerifierMetrics(new MetricsRegistry()),
  });
  for (const repo of known) await checkTag(ctx, { registry: 'local', repository: repo, tag: '1.0' });
  await closeContext(ctx);
  for (let i = 0; i < freshCount; i++) await signedPush('team/fresh', `v${i}`);

  execFileSync(process.execPath, ['tools/build.mjs', 'apps/admission'], { cwd: repoRoot() });
  const [port, opsPort, barePort] = [await freePort(), await freePort(), await freePort()];
  const svc = ManagedProcess.start(process.execPath, [join(repoRoot(), 'dist/apps/admission/main.js')], {
    logFile: join(dir, 'admission.log'),
    env: {
      ...process.env,
      SIGNET_CONFIG: writeConfigFile({ ...doc, admission: { ...doc.admission, opsPort } }),
      PORT: String(port),
      REGISTRY_PASSWORD: CI_BOT.password,
    },
  });
  const bare = ManagedProcess.start(process.execPath, [join(__dirname, 'bare-https-express.js')], {
    logFile: join(dir, 'bare.log'),
    env: { ...process.env, PORT: String(barePort), CERT_FILE: cert.certFile, KEY_FILE: keyFile },
  });
  try {
    await waitFor(async () => (await fetch(`http://127.0.0.1:${opsPort}/readyz`)).status === 200, 20_000, 'admission ready');
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const knownBody = JSON.stringify(review(pod(known.map((r) => `${registry.host}/${r}:1.0`))));
    const bareAgent = new Agent({ keepAlive: true, maxSockets: 1 });
    await waitFor(
      async () => (await postOnce(bareAgent, barePort, knownBody, cert.cert).catch(() => ({ allowed: false }))).allowed,
      10_000,
      'bare express',
    );
    const first = await postOnce(agent, port, knownBody, cert.cert);
    if (!first.allowed) throw new Error('the known pod was not admitted: the benchmark would measure denials');
    const script = wrkScript(knownBody);
    await runWrk(`https://127.0.0.1:${barePort}/validate`, { seconds: 2, script, connections });
    await runWrk(`https://127.0.0.1:${port}/validate`, { seconds: 2, script, connections });
    const bareSlices: WrkResult[] = [];
    const signetSlices: WrkResult[] = [];
    const ratios: number[] = [];
    for (let i = 0; i < pairs; i++) {
      const b = await runWrk(`https://127.0.0.1:${barePort}/validate`, { seconds, script, connections });
      const s = await runWrk(`https://127.0.0.1:${port}/validate`, { seconds, script, connections });
      bareSlices.push(b);
      signetSlices.push(s);
      ratios.push(s.requestsPerSecond / b.requestsPerSecond);
      console.error(
        `  slice ${i + 1}/${pairs}: bare ${b.requestsPerSecond.toFixed(0)} reviews/s, admission ${s.requestsPerSecond.toFixed(0)} reviews/s (p99 ${s.p99Ms.toFixed(2)} ms), ratio ${ratios[i]!.toFixed(2)}`,
      );
    }
    // The same review one at a time on one connection: the latency of a single review, without wrk's queueing.
    const sequential = async (p: number, a: Agent) => {
      const times: number[] = [];
      for (let i = 0; i < 1000; i++) times.push((await postOnce(a, p, knownBody, cert.cert)).ms);
      return times;
    };
    const seqBare = await sequential(barePort, bareAgent);
    const seqSignet = await sequential(port, agent);
    // Fresh digests, one review at a time: each is a HEAD, a signature lookup and a verification.
    const fresh: number[] = [];
    let freshDenied = 0;
    for (let i = 0; i < freshCount; i++) {
      const r = await postOnce(agent, port, JSON.stringify(review(pod([`${registry.host}/team/fresh:v${i}`]))), cert.cert);
      fresh.push(r.ms);
      if (!r.allowed) freshDenied++;
    }
    const metrics = await (await fetch(`http://127.0.0.1:${opsPort}/metrics`)).text();
    const count = (outcome: string) =>
      Number(
        new RegExp(`signet_admission_reviews_total\\{webhook="validate",outcome="${outcome}",decision="allowed"\\} (\\d+)`).exec(
          metrics,
        )?.[1] ?? 0,
      );
    const knownP99 = median(signetSlices.map((s) => s.p99Ms));
    const ratio = median(ratios);
    const freshP99 = percentile(fresh, 99);
    const result = {
      bench: 'admission',
      connections,
      seconds,
      pairs,
      known: {
        reviewsPerSecond: median(signetSlices.map((s) => s.requestsPerSecond)),
        p50Ms: median(signetSlices.map((s) => s.p50Ms)),
        p99Ms: knownP99,
        worstP99Ms: Math.max(...signetSlices.map((s) => s.p99Ms)),
        non2xx: signetSlices.reduce((n, s) => n + s.non2xx, 0),
      },
      bare: { reviewsPerSecond: median(bareSlices.map((s) => s.requestsPerSecond)), p99Ms: median(bareSlices.map((s) => s.p99Ms)) },
      ratio: Number(ratio.toFixed(3)),
      oneAtATime: {
        signetP50Ms: Number(percentile(seqSignet, 50).toFixed(2)),
        signetP99Ms: Number(percentile(seqSignet, 99).toFixed(2)),
        bareP50Ms: Number(percentile(seqBare, 50).toFixed(2)),
        bareP99Ms: Number(percentile(seqBare, 99).toFixed(2)),
      },
      fresh: {
        reviews: freshCount,
        p50Ms: Number(percentile(fresh, 50).toFixed(2)),
        p99Ms: Number(freshP99.toFixed(2)),
        maxMs: Number(Math.max(...fresh).toFixed(2)),
        denied: freshDenied,
      },
      outcomes: { cacheHit: count('cache-hit'), live: count('live') },
      anchors: ANCHORS,
    };
    console.log(JSON.stringify(result));
    console.log(
      `admission, 3 known digests: ${result.known.reviewsPerSecond.toFixed(0)} reviews/s, p99 ${knownP99.toFixed(2)} ms with ${connections} in flight | bare HTTPS express: ${result.bare.reviewsPerSecond.toFixed(0)} reviews/s | ` +
        `ratio ${ratio.toFixed(2)}x (median of ${pairs} slice pairs; target >= 0.5x) | ${connections} connections`,
    );
    console.log(
      `admission, 3 known digests one review at a time: p50 ${result.oneAtATime.signetP50Ms} ms, p99 ${result.oneAtATime.signetP99Ms} ms (target <= 5 ms) | bare: p50 ${result.oneAtATime.bareP50Ms} ms, p99 ${result.oneAtATime.bareP99Ms} ms`,
    );
    console.log(
      `admission, never-seen digest verified live: p50 ${result.fresh.p50Ms} ms, p99 ${result.fresh.p99Ms} ms (target <= 300 ms), ${freshDenied} of ${freshCount} denied`,
    );
    for (const a of ANCHORS) console.log(`  beside: ${a.tool}: ${a.seconds} (${a.source})`);
  } finally {
    await svc.stop();
    await bare.stop();
    await client.close();
    stateRedis.disconnect();
    await Promise.all([redis.teardown(), registry.teardown()]);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
