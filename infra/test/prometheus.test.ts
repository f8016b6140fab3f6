import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { makeTempDir, removeDir, requireBinary } from '@signet/testing';
import { dashboardExpressions, infra } from './support';

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

  it('the violation alerts pass their promtool unit tests, which fail when a trace would alert beside its standing violation', () => {
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
