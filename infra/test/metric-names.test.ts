/**
 * The metric names used by the Grafana dashboard and by the alert rules (infra/prometheus/signet-rules.yml) must
 * be exported by the services. The exported set is taken from the real thing: the receiver, signer and verifier
 * each run as their own process (`tsx apps/<app>/src/main.ts`, as `npm run start:*` does) against a real
 * redis-server, and their /metrics pages are scraped. Reading `name: 'signet_...'` out of the sources would
 * trust that a declared metric is registered and served; the scrape proves it. Every declared prom-client metric
 * shows its `# TYPE` line even before it has a sample, so no traffic is needed; histograms add `_bucket`,
 * `_sum` and `_count` series.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  freePort,
  sharedDir,
  startRedis,
  startService,
  writeConfigFile,
  type RedisServer,
  type RunningService,
  type SignetApp,
} from '@signet/testing';
import { dashboardExpressions, infra, metricNamesIn, ruleExpressions } from './support';

/** Sample names a Prometheus exposition page can produce, from its `# TYPE` lines. */
function exportedNames(page: string): Set<string> {
  const names = new Set<string>();
  for (const m of page.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name, type] = m as unknown as [string, string, string];
    names.add(name);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(name + s);
    if (type === 'summary') for (const s of ['_sum', '_count']) names.add(name + s);
  }
  return names;
}

describe('metric names in the dashboard and alert rules', () => {
  const APPS: SignetApp[] = ['webhook-receiver', 'signer', 'verifier'];
  let redis: RedisServer;
  const services: RunningService[] = [];
  const exported = new Map<SignetApp, Set<string>>();
  const pages = new Map<SignetApp, string>();

  beforeAll(async () => {
    redis = await startRedis();
    const registryPort = await freePort();
    const configFile = writeConfigFile({
      redis: { url: redis.url },
      // Nothing listens here: the services start and serve metrics without reaching the registry.
      registries: [{ name: 'local', url: `http://127.0.0.1:${registryPort}`, retries: 0 }],
      webhooks: [{ name: 'local', source: 'distribution', registry: 'local', auth: { type: 'bearer', tokenEnv: 'WEBHOOK_TOKEN' } }],
      receiver: { host: '127.0.0.1' },
      signer: {
        key: { path: sharedDir('fixtures/cosign/keys/sigstore-rs-ecdsa-encrypted-pw123.key'), passwordEnv: 'COSIGN_PASSWORD' },
        trust: [{ registry: 'local', repositories: ['team/*'], actors: ['ci-bot'] }],
      },
      verifier: { keys: [sharedDir('fixtures/cosign/derived/sigstore-rs-ecdsa-encrypted-pw123.expected.pub')], rescan: { every: '1h' } },
      log: { level: 'warn' },
    });
    const env = { WEBHOOK_TOKEN: 'infra-test-token', COSIGN_PASSWORD: '123' };
    const started = await Promise.allSettled(
      APPS.map(async (app) => startService(app, { configFile, port: await freePort(), env, readyTimeoutMs: 60_000 })),
    );
    for (const s of started) if (s.status === 'fulfilled') services.push(s.value);
    const failed = started.flatMap((s) => (s.status === 'rejected' ? [String(s.reason)] : []));
    if (failed.length > 0) throw new Error(`services did not start:\n${failed.join('\n')}`);
    for (const s of services) pages.set(s.app, await (await fetch(`${s.opsUrl}/metrics`)).text());
    for (const [app, page] of pages) exported.set(app, exportedNames(page));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await redis?.teardown();
  });

  const all = () => new Set(APPS.flatMap((a) => [...(exported.get(a) ?? [])]));

  it('each service exports its build info, process metrics and the queue-depth gauge', () => {
    for (const app of APPS) {
      const names = exported.get(app);
      expect(names).toBeDefined();
      for (const n of ['signet_build_info', 'signet_queue_jobs', 'process_cpu_seconds_total', 'nodejs_heap_size_used_bytes'])
        expect(names).toContain(n);
    }
  });

  it('every metric the dashboard queries is exported', () => {
    // The admission service (optional, HTTPS with its own certificate) is scraped by its own test:
    // apps/admission/test/webhook.test.ts checks the dashboard's admission names against its /metrics.
    const used = new Set(
      dashboardExpressions()
        .flatMap((e) => metricNamesIn(e.expr))
        .filter((n) => !n.startsWith('signet_admission_')),
    );
    expect(used.size).toBeGreaterThan(15);
    const names = all();
    expect([...used].filter((n) => !names.has(n))).toEqual([]);
  });

  it('every metric the alert rules use is exported', () => {
    const rules = ruleExpressions();
    expect(rules.length).toBeGreaterThan(0);
    const used = new Set(rules.flatMap((r) => metricNamesIn(r.expr)));
    const names = all();
    expect([...used].filter((n) => !names.has(n))).toEqual([]);
  });

  it("each service's Down alert asks for the service label that service exports in signet_build_info", () => {
    const down = ruleExpressions().filter((r) => /^Signet\w+Down$/.test(r.alert) && r.alert !== 'SignetInstanceDown');
    const asked = down.map((r) => /^absent\(signet_build_info\{service="([^"]+)"\}\)$/.exec(r.expr)?.[1]);
    expect(asked.sort()).toEqual([...APPS].sort());
    for (const app of APPS) expect(pages.get(app)).toMatch(new RegExp(`^signet_build_info\\{service="${app}",`, 'm'));
  });

  it('the check is not vacuous: a misspelt name is reported', () => {
    expect(metricNamesIn('sum(rate(signet_signatures_totl[5m]))').filter((n) => !all().has(n))).toEqual(['signet_signatures_totl']);
  });
});

describe('the dashboard covers what operators watch', () => {
  it('has panels on events, queues, signatures, signer failures retried and final, violations, revoked-key tags, rescans, auth failures, signing lag and replicas up', () => {
    const text = readFileSync(join(infra, 'grafana/signet-dashboard.json'), 'utf8');
    const used = new Set(dashboardExpressions().flatMap((e) => metricNamesIn(e.expr)));
    for (const name of [
      'signet_webhook_events_total',
      'signet_queue_jobs',
      'signet_signatures_total',
      'signet_tag_violation',
      'signet_rescan_duration_seconds_bucket',
      'signet_rescan_last_success_timestamp_seconds',
      'signet_webhook_auth_failures_total',
      'signet_signing_lag_seconds_bucket',
      'signet_build_info',
      'signet_signer_jobs_failed_total',
    ]) {
      expect(used).toContain(name);
    }
    // Retried attempts and failures for good are drawn apart, as the alerts tell them apart.
    const exprs = dashboardExpressions().map((e) => e.expr);
    for (const final of ['true', 'false'])
      expect(exprs.some((e) => e.includes(`signet_signer_jobs_failed_total{final="${final}"}`))).toBe(true);
    // SignetRevokedKeySignatures has a panel counting what it counts: tags signed only by a revoked key.
    expect(exprs.some((e) => /signet_tag_violation\{[^}]*reason="revoked"/.test(e))).toBe(true);
    // The violations table is an instant table query, one row per standing violation.
    const dash = JSON.parse(text) as { panels: { type: string; targets?: { expr: string; format?: string }[] }[] };
    const table = dash.panels.find((p) => p.type === 'table' && p.targets?.some((t) => t.expr.includes('signet_tag_violation')));
    expect(table?.targets?.[0]?.format).toBe('table');
  });
});
