// The whole pipeline as processes: registry notifications -> receiver -> signer -> verifier -> Prometheus.
import { generateCosignKeyPair } from '@signet/crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  freePort,
  makeTempDir,
  pushImage,
  repoRoot,
  sleep,
  startPrometheus,
  startRedis,
  startRegistry,
  startService,
  waitFor,
  writeConfigFile,
  type PrometheusServer,
  type RedisServer,
  type RegistryServer,
  type RunningService,
} from '@signet/testing';

const CI_BOT = { username: 'ci-bot', password: 'ci-bot-pw' };
const MALLORY = { username: 'mallory', password: 'mallory-pw' };

const metricLines = async (svc: RunningService, name: string) =>
  (await (await fetch(`${svc.opsUrl}/metrics`)).text()).split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
const sumOf = (lines: string[], match: string) => lines.filter((l) => l.includes(match)).reduce((n, l) => n + Number(l.split(' ').pop()), 0);

describe('receiver, signer, verifier and Prometheus together', () => {
  let redis: RedisServer;
  let registry: RegistryServer;
  let prometheus: PrometheusServer;
  const services: RunningService[] = [];
  let verifier: RunningService;

  beforeAll(async () => {
    redis = await startRedis();
    const receiverPort = await freePort();
    registry = await startRegistry({
      users: { [CI_BOT.username]: CI_BOT.password, [MALLORY.username]: MALLORY.password },
      notifications: { url: `http://127.0.0.1:${receiverPort}/webhooks/local`, headers: { Authorization: 'Bearer hook-token-0123456789' }, ignorePulls: true },
    });
    const dir = makeTempDir('pipeline');
    const keys = await generateCosignKeyPair('pw');
    writeFileSync(join(dir, 'cosign.key'), keys.privateKeyPem);
    writeFileSync(join(dir, 'cosign.pub'), keys.publicKeyPem);
    const configFile = writeConfigFile(
      {
        redis: { url: redis.url },
        registries: [{ name: 'local', url: registry.url, username: CI_BOT.username, passwordEnv: 'REGISTRY_PASSWORD' }],
        webhooks: [{ name: 'local', source: 'distribution', registry: 'local', auth: { type: 'bearer', tokenEnv: 'WEBHOOK_TOKEN' } }],
        receiver: { host: '127.0.0.1' },
        signer: { concurrency: 8, key: { path: join(dir, 'cosign.key'), passwordEnv: 'COSIGN_PASSWORD' }, trust: [{ registry: 'local', repositories: ['team/*'], actors: ['ci-bot'] }] },
        verifier: { keys: [join(dir, 'cosign.pub')], rescan: { every: '1h' }, gracePeriod: '30s' },
        log: { level: 'warn' },
      },
      dir,
    );
    const env = { REGISTRY_PASSWORD: CI_BOT.password, WEBHOOK_TOKEN: 'hook-token-0123456789', COSIGN_PASSWORD: 'pw' };
    services.push(await startService('webhook-receiver', { configFile, port: receiverPort, env }));
    services.push(await startService('signer', { configFile, port: await freePort(), env }));
    verifier = await startService('verifier', { configFile, port: await freePort(), env });
    services.push(verifier);
    prometheus = await startPrometheus({ targets: [verifier.url.replace('http://', '')], ruleFiles: [join(repoRoot(), 'infra/prometheus/signet-rules.yml')] });
  });
  afterAll(async () => {
    await prometheus?.teardown();
    for (const s of services) await s.stop();
    await registry?.teardown();
    await redis?.teardown();
  });

  it('raises no alarm while ci-bot overwrites a tag 200 times, then catches mallory within 1 s', async () => {
    const seen = new Set<string>();
    let polling = true;
    const poller = (async () => {
      while (polling) {
        for (const l of await metricLines(verifier, 'signet_tag_violation')) seen.add(l);
        await sleep(100);
      }
    })();
    let last = '';
    for (let i = 0; i < 200; i++) last = await pushImage(registry.url, 'team/app:1.0.0', CI_BOT);
    // Every push is decided and judged: the last digest ends `signed`.
    await waitFor(async () => sumOf(await metricLines(verifier, 'signet_verdicts'), 'verdict="signed"') === 1, 60_000, 'the last push signed');
    await waitFor(async () => (await metricLines(verifier, 'signet_tag_overwrites_total')).length > 0, 10_000, 'overwrite counters');
    polling = false;
    await poller;
    expect([...seen]).toEqual([]);
    const overwrites = await metricLines(verifier, 'signet_tag_overwrites_total');
    expect(sumOf(overwrites, 'result="unsigned"') + sumOf(overwrites, 'result="invalid"')).toBe(0);
    expect(last).toMatch(/^sha256:/);

    const bad = await pushImage(registry.url, 'team/app:1.0.0', MALLORY);
    const pushedAt = Date.now();
    await waitFor(async () => (await metricLines(verifier, 'signet_tag_violation')).some((l) => l.includes(bad) && l.endsWith(' 1')), 5_000, 'the violation');
    expect(Date.now() - pushedAt).toBeLessThan(1000);
    await waitFor(
      async () => (await prometheus.alerts()).some((a) => a.labels.alertname === 'SignetUnsignedTagOverwrite' && a.state === 'firing' && a.labels.digest === bad),
      20_000,
      'SignetUnsignedTagOverwrite firing in Prometheus',
    );
  });
});
