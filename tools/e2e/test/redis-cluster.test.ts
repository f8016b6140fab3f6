// The whole pipeline as processes against a real 3-master Redis Cluster: registry notifications -> receiver ->
// signer -> verifier, every service connected through `redis.cluster` seed nodes.
import { Redis } from 'ioredis';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  freePort,
  makeTempDir,
  pushImage,
  removeDir,
  runSignet,
  startRedisCluster,
  startRegistry,
  waitFor,
  type RedisCluster,
  type RegistryServer,
  type RunningService,
} from '@signet/testing';
import { CI_BOT, MALLORY, notifyReceiver, startPipeline, writePipelineConfig } from './pipeline-env';
import { metricLines, sumOf } from './metrics';
import { signetCli } from './signer-env';

const PREFIX = '{signet}';

describe('receiver, signer and verifier on a Redis Cluster', () => {
  let cluster: RedisCluster;
  let registry: RegistryServer;
  let dir: string;
  let configFile: string;
  const services: RunningService[] = [];
  let signer: RunningService;
  let verifier: RunningService;
  /** One plain (non-cluster) connection per node, to look at what each node holds. */
  let nodes: Redis[] = [];

  beforeAll(async () => {
    const receiverPort = await freePort();
    [cluster, registry] = await Promise.all([
      startRedisCluster({ masters: 3 }),
      startRegistry({
        users: { [CI_BOT.username]: CI_BOT.password, [MALLORY.username]: MALLORY.password },
        notifications: { ...notifyReceiver(receiverPort), ignoreBlobs: true, backoff: '200ms' },
      }),
    ]);
    nodes = cluster.ports.map((port) => new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 1 }));
    dir = makeTempDir('cluster-e2e');
    const pipeline = await writePipelineConfig({
      dir,
      registry,
      // Nothing listens on `url`: a service that ignored the seeds could not start.
      redis: { url: `redis://127.0.0.1:${await freePort()}`, cluster: cluster.seeds, prefix: PREFIX },
      // The request budget is a Lua script on the cluster too.
      registryEntry: { host: registry.host, rateLimit: { perSecond: 500, burst: 500 } },
      logLevel: 'info',
    });
    configFile = pipeline.configFile;
    const started = await startPipeline(pipeline, receiverPort);
    services.push(...started);
    [, signer, verifier] = started;
  });
  afterAll(async () => {
    for (const s of services) await s.stop();
    for (const n of nodes) n.disconnect();
    await registry?.teardown();
    await cluster?.teardown();
    if (dir) removeDir(dir);
  });

  it('signs a trusted push, accepts it, and raises a violation when an untrusted push overwrites the tag', async () => {
    const good = await pushImage(registry.url, 'team/app:1.0.0', CI_BOT);
    await waitFor(
      async () => sumOf(await metricLines(verifier, 'signet_verdicts'), 'verdict="signed"') === 1,
      30_000,
      'the push judged signed',
    );
    expect(await metricLines(verifier, 'signet_tag_violation')).toEqual([]);
    await waitFor(
      async () => sumOf(await metricLines(signer, 'signet_signatures_total'), 'result="signed"') === 1,
      5_000,
      'the signer counting one signature',
    );
    const verified = await signetCli([
      'verify',
      '--key',
      join(dir, 'cosign.pub'),
      '--allow-insecure-registry',
      `${registry.host}/team/app:1.0.0`,
    ]);
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.stdout)[0].critical.image['docker-manifest-digest']).toBe(good);

    const bad = await pushImage(registry.url, 'team/app:1.0.0', MALLORY);
    await waitFor(
      async () => (await metricLines(verifier, 'signet_tag_violation')).some((l) => l.includes(bad) && l.endsWith(' 1')),
      30_000,
      'the violation',
    ).catch((err: Error) => {
      // Say where the chain (notification, receiver, signer decision, verify job) stopped.
      const logs = services.map((svc) => `--- ${svc.app}\n${readFileSync(svc.logFile, 'utf8').split('\n').slice(-15).join('\n')}`);
      throw new Error(`${err.message}\n${logs.join('\n')}`);
    });
    await waitFor(
      async () => sumOf(await metricLines(signer, 'signet_signatures_total'), 'result="untrusted"') === 1,
      5_000,
      'the signer refusing mallory',
    );
    expect(sumOf(await metricLines(signer, 'signet_signatures_total'), 'result="signed"')).toBe(1);

    // The CLI reads the same tag state through the cluster.
    const status = await runSignet(['status', '--json', '--config', configFile], {
      env: { HOME: dir, REGISTRY_PASSWORD: CI_BOT.password },
    });
    expect({ code: status.code, stderr: status.stderr }).toEqual({ code: 1, stderr: '' }); // 1: a violation stands
    expect(JSON.parse(status.stdout)).toMatchObject([
      { registry: 'local', repository: 'team/app', tag: '1.0.0', digest: bad, previous: [good] },
    ]);
  });

  // Reads the keys the pipeline above wrote.
  it('keeps every key under the {signet} hash tag, on the one master that owns its slot', async () => {
    for (const n of nodes) expect(await n.info('cluster')).toMatch(/cluster_enabled:1/);
    const slot = Number(await nodes[0]!.call('CLUSTER', 'KEYSLOT', PREFIX));
    const ranges = (await nodes[0]!.call('CLUSTER', 'SLOTS')) as Array<[number, number, [string, number, string]]>;
    // Three masters share the slots.
    expect(new Set(ranges.map((r) => r[2][1]))).toEqual(new Set(cluster.ports));
    const ownerPort = ranges.find(([from, to]) => slot >= from && slot <= to)?.[2][1];
    expect(cluster.ports).toContain(ownerPort);
    const owner = nodes[cluster.ports.indexOf(ownerPort!)]!;

    const keys = await owner.keys('*');
    expect(keys.filter((k) => !k.startsWith(`${PREFIX}:`))).toEqual([]);
    for (const k of [
      `${PREFIX}:signet.push:id`,
      `${PREFIX}:signet.push:completed`,
      `${PREFIX}:signet.verify:completed`,
      `${PREFIX}:signet.rescan:repeat`,
      `${PREFIX}:tags:local/team/app`,
      `${PREFIX}:violations`,
    ]) {
      expect(keys).toContain(k);
    }
    for (const k of keys) expect(Number(await owner.call('CLUSTER', 'KEYSLOT', k))).toBe(slot);
    // The other masters hold nothing: no key escaped the hash tag.
    for (const n of nodes.filter((n) => n !== owner)) expect(await n.dbsize()).toBe(0);
  });
});
