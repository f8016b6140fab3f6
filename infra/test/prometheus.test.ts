import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { makeTempDir, removeDir, requireBinary } from '@signet/testing';
import { dashboardExpressions, infra, ruleExpressions } from './support';

interface RuleTests {
  tests: { promql_expr_test?: { expr: string; exp_samples?: { labels: string }[] }[] }[];
}

/**
 * Which alerts the promtool cases show firing (an expected ALERTS sample names them) and staying silent (a case
 * whose query selects them by name expects no sample of theirs at a time they are queried).
 */
function coverage(file: RuleTests): { fires: Set<string>; silent: Set<string> } {
  const fires = new Set<string>();
  const silent = new Set<string>();
  for (const t of file.tests) {
    for (const c of t.promql_expr_test ?? []) {
      const selector = /alertname(=~?)"([^"]+)"/.exec(c.expr);
      if (!c.expr.includes('ALERTS') || !selector) continue;
      const queried = selector[1] === '=' ? [selector[2]!] : selector[2]!.split('|');
      const seen = new Set((c.exp_samples ?? []).map((s) => /alertname="([^"]+)"/.exec(s.labels)?.[1]));
      for (const a of queried) (seen.has(a) ? fires : silent).add(a);
    }
  }
  return { fires, silent };
}

function promtool(args: string[]): { ok: boolean; output: string } {
  requireBinary('promtool', 'prometheus');
  try {
    return { ok: true, output: execFileSync('promtool', args, { encoding: 'utf8', stdio: 'pipe' }) };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return { ok: false, output: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

describe('Prometheus files', () => {
  let dir: string;
  beforeAll(() => {
    dir = makeTempDir('infra-promtool');
  });
  afterAll(() => removeDir(dir));

  it('the compose Prometheus config and the rules it loads pass promtool check config', () => {
    // Inside the container the rules sit at /etc/prometheus/rules; here they are read from the repository.
    const config = parse(readFileSync(join(infra, 'compose/prometheus/prometheus.yml'), 'utf8'));
    expect(config.rule_files).toEqual(['/etc/prometheus/rules/signet-rules.yml']);
    config.rule_files = [join(infra, 'prometheus/signet-rules.yml')];
    const file = join(dir, 'prometheus.yml');
    writeFileSync(file, stringify(config));
    const result = promtool(['check', 'config', file]);
    expect(result).toMatchObject({ ok: true });
    expect(result.output).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('promtool rejects a config whose rule file does not parse (the check above can fail)', () => {
    const bad = join(dir, 'bad-rules.yml');
    writeFileSync(bad, 'groups:\n  - name: x\n    rules:\n      - alert: Broken\n        expr: sum(rate(signet_x[5m])\n');
    const file = join(dir, 'prometheus-bad.yml');
    writeFileSync(file, stringify({ rule_files: [bad] }));
    expect(promtool(['check', 'config', file]).ok).toBe(false);
  });

  it('the alert rules pass their promtool unit tests, which fail when a trace would alert beside its standing violation', () => {
    const tests = join(infra, 'prometheus/signet-rules.test.yml');
    const result = promtool(['test', 'rules', tests]);
    expect(result.output).toContain('SUCCESS');
    // The same tests against rules whose trace alert lacks the `unless`: they must fail.
    const rules = readFileSync(join(infra, 'prometheus/signet-rules.yml'), 'utf8');
    expect(rules).toContain('unless on (registry, repository, tag, digest)');
    writeFileSync(join(dir, 'signet-rules.yml'), rules.replace(/\n\s*unless on \(registry, repository, tag, digest\)[^\n]*/, ''));
    writeFileSync(join(dir, 'signet-rules.test.yml'), readFileSync(tests, 'utf8'));
    expect(promtool(['test', 'rules', join(dir, 'signet-rules.test.yml')]).ok).toBe(false);
  });

  it('every alert has a promtool case where it fires and one where it stays silent', () => {
    const alerts = ruleExpressions().map((r) => r.alert);
    expect(alerts.length).toBeGreaterThanOrEqual(16);
    const cases = coverage(parse(readFileSync(join(infra, 'prometheus/signet-rules.test.yml'), 'utf8')) as RuleTests);
    expect(alerts.filter((a) => !cases.fires.has(a))).toEqual([]);
    expect(alerts.filter((a) => !cases.silent.has(a))).toEqual([]);
  });

  // Each rewrite is an earlier (wrong) form of a rule: the unit tests must catch it.
  it.each([
    [
      'SignetSignerFailing paging on retried attempts',
      'sum by (registry) (increase(signet_signatures_total{result="failed"}[15m])) > 0',
      'sum by (registry) (rate(signet_signatures_total{result="failed"}[5m])) > 0 or sum by (reason) (rate(signet_signer_jobs_failed_total[5m])) > 0',
    ],
    [
      'SignetQueueBacklog taking the largest state instead of the sum',
      'sum by (queue) (max by (queue, state) (signet_queue_jobs{state=~"waiting|prioritized"}))',
      'max by (queue) (signet_queue_jobs{state=~"waiting|prioritized"})',
    ],
    [
      'SignetQueueBacklog adding up the replicas',
      'sum by (queue) (max by (queue, state) (signet_queue_jobs{state=~"waiting|prioritized"}))',
      'sum by (queue) (signet_queue_jobs{state=~"waiting|prioritized"})',
    ],
    ['SignetSignerDown on one replica down', 'absent(signet_build_info{service="signer"})', 'min(up{job="signet-signer"}) == 0'],
    ['SignetInstanceDown on whichever target is down', 'and on (job, instance) (up == 0)', 'and on () (up == 0)'],
  ])('the unit tests fail with %s', (_name, from, to) => {
    const rules = readFileSync(join(infra, 'prometheus/signet-rules.yml'), 'utf8');
    const mutated = rules.replace(from, to);
    expect(mutated).not.toBe(rules);
    const sub = makeTempDir('infra-promtool-mutant');
    try {
      writeFileSync(join(sub, 'signet-rules.yml'), mutated);
      writeFileSync(join(sub, 'signet-rules.test.yml'), readFileSync(join(infra, 'prometheus/signet-rules.test.yml'), 'utf8'));
      expect(promtool(['check', 'rules', join(sub, 'signet-rules.yml')]).ok).toBe(true);
      expect(promtool(['test', 'rules', join(sub, 'signet-rules.test.yml')]).ok).toBe(false);
    } finally {
      removeDir(sub);
    }
  });

  it('every Grafana dashboard query is valid PromQL', () => {
    const exprs = dashboardExpressions();
    expect(exprs.length).toBeGreaterThan(20);
    // Each query becomes a recording rule, so promtool's PromQL parser checks it.
    const rules = { groups: [{ name: 'dashboard', rules: exprs.map((e, i) => ({ record: `dashboard:query_${i}`, expr: e.expr })) }] };
    const file = join(dir, 'dashboard-rules.yml');
    writeFileSync(file, stringify(rules));
    const result = promtool(['check', 'rules', file]);
    expect(result.output).toContain(`SUCCESS: ${exprs.length} rules found`);
  });
});
