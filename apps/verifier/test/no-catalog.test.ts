import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import { MetricsRegistry } from '@signet/observability';
import { startForeignOrigin, waitFor, type ForeignOrigin } from '@signet/testing';
import { closeContext, createVerifierContext, createVerifierMetrics, listRepositories, TagStore } from '@signet/verification';
import type { RunningVerifier } from '../src/service';
import { capturingLogger, CI_BOT, MALLORY, metricValue, type TestEnv } from './env';
import { useVerifierEnv } from './harness';

/**
 * GHCR, Docker Hub, and Harbor or Quay for an account that is not an admin have no usable `_catalog`. The
 * verifier reads the real registry through a proxy that answers `/v2/_catalog` as such a registry does and
 * forwards everything else; the rescan must still check every repository it knows of.
 */
type CatalogAnswer = 'pass' | 401 | 403 | 404 | 405 | 500;
const SPEC_ERROR = { 401: 'UNAUTHORIZED', 403: 'DENIED', 405: 'UNSUPPORTED' } as const;

let env: TestEnv;
let shared: TagStore;
let proxy: ForeignOrigin;
let catalog: CatalogAnswer = 401;
const { start, scrape, stateOf, violationOf, rescan, trustedPush } = useVerifierEnv((e, s) => {
  env = e;
  shared = s;
});

function forward(req: IncomingMessage, res: ServerResponse): void {
  const upstream = request(new URL(req.url ?? '/', env.registry.url), { method: req.method, headers: req.headers }, (r) => {
    res.writeHead(r.statusCode ?? 502, r.headers);
    r.pipe(res);
  });
  upstream.on('error', () => res.destroy());
  req.pipe(upstream);
}

function answerCatalog(res: ServerResponse, status: Exclude<CatalogAnswer, 'pass'>): void {
  if (status === 404 || status === 500) {
    res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 404 ? '404 page not found' : 'internal error');
    return;
  }
  const headers = { 'content-type': 'application/json', ...(status === 401 ? { 'www-authenticate': 'Basic realm="registry"' } : {}) };
  res
    .writeHead(status, headers)
    .end(JSON.stringify({ errors: [{ code: SPEC_ERROR[status], message: 'catalog listing refused', detail: null }] }));
}

beforeAll(async () => {
  proxy = await startForeignOrigin((req, res, url) => {
    if (url.pathname === '/v2/_catalog' && catalog !== 'pass') answerCatalog(res, catalog);
    else forward(req, res);
  });
});
afterAll(async () => {
  await proxy.close();
});
beforeEach(() => {
  catalog = 401;
  proxy.seen.length = 0;
});

/** A verifier reading the registry through the proxy; signatures still name the registry's own host. */
const startBehindProxy = (repositories?: string[]) =>
  start({ gracePeriod: 0, ...(repositories ? { repositories } : {}), registry: { url: proxy.url, host: env.registry.host } });
const catalogAsked = () => proxy.seen.some((r) => r.path === '/v2/_catalog');
const catalogGauge = async (v: RunningVerifier) => metricValue(await scrape(v), 'signet_catalog_available', { registry: 'local' });

/** ci-bot pushes and signs with no webhook reaching Signet (a dropped notification). */
async function signedPushUnseen(repository: string, tag: string): Promise<string> {
  const digest = await env.push(`${repository}:${tag}`, CI_BOT);
  await env.sign(repository, tag, digest);
  return digest;
}

it('checks the repositories learned from verify jobs when the catalog answers 401, and catches an unsigned overwrite there', async () => {
  const v = await startBehindProxy();
  await trustedPush(v, 'learned/app', '1.0');
  // A repository whose only event so far was a delete is learned too: mallory's later push there is seen.
  await env.enqueueVerify({ repository: 'deleted/app', digest: `sha256:${'0'.repeat(64)}`, decision: 'deleted' });
  await waitFor(async () => (await shared.repositories()).includes('local/deleted/app'), 10_000, 'the deleted repository learned');

  // mallory overwrites and pushes with no webhook reaching Signet: only the rescan can see it.
  const bad = await env.push('learned/app:1.0', MALLORY);
  const unseen = await env.push('deleted/app:2.0', MALLORY);
  await rescan(v);

  expect(catalogAsked()).toBe(true);
  expect(await stateOf(v, 'learned/app', '1.0')).toMatchObject({ digest: bad, verdict: 'unsigned', flag: 'violation' });
  expect(await violationOf(v, 'learned/app', '1.0')).toBe(1);
  expect(await stateOf(v, 'deleted/app', '2.0')).toMatchObject({ digest: unseen, verdict: 'unsigned' });
  expect(await catalogGauge(v)).toBe(0);
});

it('checks configured repositories beside learned ones without asking for the catalog, and catches unsigned overwrites in both', async () => {
  const signed = await signedPushUnseen('configured/app', '1.0');
  const v = await startBehindProxy(['configured/app']);
  expect(await stateOf(v, 'configured/app', '1.0')).toMatchObject({ digest: signed, verdict: 'signed' });
  await trustedPush(v, 'learned/app', '1.0');
  const overwrites = [await env.push('configured/app:1.0', MALLORY), await env.push('learned/app:1.0', MALLORY)];
  await rescan(v);

  // The configured list stands in for the catalog: a registry known to have none is not asked every rescan.
  expect(catalogAsked()).toBe(false);
  expect(await stateOf(v, 'configured/app', '1.0')).toMatchObject({ digest: overwrites[0], verdict: 'unsigned', flag: 'violation' });
  expect(await stateOf(v, 'learned/app', '1.0')).toMatchObject({ digest: overwrites[1], verdict: 'unsigned', flag: 'violation' });
  expect(await violationOf(v, 'configured/app', '1.0')).toBe(1);
  expect(await violationOf(v, 'learned/app', '1.0')).toBe(1);
  expect(await catalogGauge(v)).toBeUndefined();
});

it.each([
  [403, 'DENIED (Harbor or Quay for a non-admin)'],
  [404, 'a plain 404 (GHCR)'],
  [405, 'UNSUPPORTED'],
] as const)(
  'treats a catalog answering %s, %s, as not available: the scheduled rescan succeeds on learned repositories',
  async (status, _registries) => {
    catalog = status;
    const v = await startBehindProxy();
    const before = metricValue(await scrape(v), 'signet_rescan_last_success_timestamp_seconds');
    expect(before).toBeGreaterThan(0);
    await trustedPush(v, 'team/app', 'v1');
    const bad = await env.push('team/app:v1', MALLORY);
    await rescan(v);
    expect(catalogAsked()).toBe(true);
    expect(await stateOf(v, 'team/app', 'v1')).toMatchObject({ digest: bad, flag: 'violation' });
    expect(metricValue(await scrape(v), 'signet_rescan_last_success_timestamp_seconds')).toBeGreaterThanOrEqual(before as number);
    expect(await catalogGauge(v)).toBe(0);
  },
);

it('still fails the rescan when the catalog answers 500, and reads 1 while the catalog answers', async () => {
  catalog = 'pass';
  const v = await startBehindProxy();
  await trustedPush(v, 'team/app', 'v1');
  await rescan(v);
  expect(await catalogGauge(v)).toBe(1);
  const lastSuccess = metricValue(await scrape(v), 'signet_rescan_last_success_timestamp_seconds');

  catalog = 500;
  const job = await v.rescanQueue.add('all', { v: 1, kind: 'all' }, { attempts: 1 });
  await waitFor(async () => (await job.getState()) === 'failed', 15_000, 'the rescan to fail');
  const failed = await v.rescanQueue.getJob(job.id as string);
  expect(failed?.failedReason).toMatch(/^catalog: .*\(HTTP 500\)/);
  expect(metricValue(await scrape(v), 'signet_rescan_last_success_timestamp_seconds')).toBe(lastSuccess);
  // A failure to ask is not an answer: the gauge keeps what the catalog last said.
  expect(await catalogGauge(v)).toBe(1);
});

it('logs that the catalog is not available once per registry, not on every rescan, and again when it answers', async () => {
  const { logger, lines } = capturingLogger();
  const config = env.config({ registry: { url: proxy.url, host: env.registry.host } });
  const ctx = await createVerifierContext({
    config,
    redis: env.redisClient(),
    metrics: createVerifierMetrics(new MetricsRegistry()),
    logger,
  });
  try {
    await shared.rememberRepository('local', 'team/app');
    for (let i = 0; i < 3; i++) expect(await listRepositories(ctx)).toEqual([{ registry: 'local', repository: 'team/app' }]);
    catalog = 'pass';
    await signedPushUnseen('other/app', 'v1');
    // The registry keeps the other tests' repositories: the catalog names them all, the learned one once.
    const listed = (await listRepositories(ctx)).map((r) => r.repository);
    expect(listed).toEqual(expect.arrayContaining(['other/app', 'team/app']));
    expect(listed.filter((r) => r === 'team/app')).toHaveLength(1);
    await listRepositories(ctx);
  } finally {
    await closeContext(ctx);
  }
  const about = lines.filter((l) => l.registry === 'local' && typeof l.msg === 'string' && /catalog/.test(l.msg));
  expect(about.map((l) => [l.level, l.msg])).toEqual([
    [
      'warn',
      'registry catalog not available: scanning the repositories learned from webhooks (list others under registries[].repositories)',
    ],
    ['info', 'registry catalog available again'],
  ]);
  expect(about[0]).toMatchObject({ reason: 'registry_unauthorized', status: 401 });
});
