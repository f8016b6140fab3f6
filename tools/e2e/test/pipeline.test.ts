// The whole pipeline as processes: registry notifications -> receiver -> signer -> verifier -> Prometheus.
import { join } from 'node:path';
import {
  alertFiring,
  freePort,
  makeTempDir,
  pushImage,
  repoRoot,
  sleep,
  startPrometheus,
  startRedis,
  startRegistry,
  waitFor,
  type PrometheusServer,
  type RedisServer,
  type RegistryServer,
  type RunningService,
} from '@signet/testing';
import { CI_BOT, MALLORY, notifyReceiver, startPipeline, writePipelineConfig } from './pipeline-env';
import { metricLines, sumOf } from './metrics';

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
      notifications: notifyReceiver(receiverPort),
    });
    const pipeline = await writePipelineConfig({
      dir: makeTempDir('pipeline'),
      registry,
      redis: { url: redis.url },
      signer: { concurrency: 8 },
    });
    services.push(...(await startPipeline(pipeline, receiverPort)));
    verifier = services[2] as RunningService;
    prometheus = await startPrometheus({
      targets: [verifier.url.replace('http://', '')],
      ruleFiles: [join(repoRoot(), 'infra/prometheus/signet-rules.yml')],
    });
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
    await waitFor(
      async () => sumOf(await metricLines(verifier, 'signet_verdicts'), 'verdict="signed"') === 1,
      60_000,
      'the last push signed',
    );
    await waitFor(async () => (await metricLines(verifier, 'signet_tag_overwrites_total')).length > 0, 10_000, 'overwrite counters');
    polling = false;
    await poller;
    expect([...seen]).toEqual([]);
    const overwrites = await metricLines(verifier, 'signet_tag_overwrites_total');
    expect(sumOf(overwrites, 'result="unsigned"') + sumOf(overwrites, 'result="invalid"')).toBe(0);
    expect(last).toMatch(/^sha256:/);

    const bad = await pushImage(registry.url, 'team/app:1.0.0', MALLORY);
    const pushedAt = Date.now();
    await waitFor(
      async () => (await metricLines(verifier, 'signet_tag_violation')).some((l) => l.includes(bad) && l.endsWith(' 1')),
      5_000,
      'the violation',
    );
    expect(Date.now() - pushedAt).toBeLessThan(1000);
    await waitFor(
      () => alertFiring(prometheus, { alertname: 'SignetUnsignedTagOverwrite', digest: bad }),
      20_000,
      'SignetUnsignedTagOverwrite firing in Prometheus',
    );
  });
});
