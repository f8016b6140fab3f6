import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../src';

// Each of these files loaded before, and meant something other than what its author wrote: `timeout: 30` was
// 30 ms (every registry request timed out), a cron typo surfaced only when BullMQ scheduled the rescan, and a
// misspelt webhook option was ignored. They are refused at load now, naming the field.
const dir = mkdtempSync(join(tmpdir(), 'signet-config-strict-'));
const base = ['registries:', '  - { name: local, url: "http://127.0.0.1:5000"$REGISTRY }'];
const verifier = (rescan: string) => ['verifier:', '  keys: [cosign.pub]', `  rescan: ${rescan}`];

function load(lines: string[]) {
  const path = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(path, lines.join('\n').replace('$REGISTRY', ''));
  return loadConfig({ path, env: { T: 'a1b2c3d4e5f60718293a4b5c6d7e8f90' } });
}

function issuesOf(lines: string[]): ConfigError {
  try {
    load(lines);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('the config loaded');
}

describe('durations', () => {
  it('refuses a bare number, naming the field and suggesting a unit', () => {
    const err = issuesOf(['registries:', '  - { name: local, url: "http://127.0.0.1:5000", timeout: 30 }']);
    expect(err.issues).toEqual([{ path: 'registries.0.timeout', message: expect.stringContaining('30s') }]);
    expect(err.message).toMatch(/registries\.0\.timeout: .*bare number.*30s/);
  });

  it('refuses a quoted number without a unit too', () => {
    const err = issuesOf([...base, ...verifier('{ every: "60" }'), '  gracePeriod: "1.5"']);
    expect(err.issues.map((i) => i.path).sort()).toEqual(['verifier.gracePeriod', 'verifier.rescan.every']);
    expect(err.message).toContain('60s');
  });

  it('takes every unit, and a bare 0 (which needs none)', () => {
    const cfg = load([
      'registries:',
      '  - { name: local, url: "http://127.0.0.1:5000", timeout: 2500ms }',
      'webhooks:',
      '  - { name: gh, source: github, registry: local, auth: { type: hmac-sha256, secretEnv: T }, maxEventAge: 0 }',
      ...verifier('{ every: 5m }'),
      '  gracePeriod: 0',
      '  tombstoneTtl: 1.5d',
    ]);
    expect(cfg.registries[0]?.timeout).toBe(2500);
    expect(cfg.webhooks[0]?.maxEventAge).toBe(0);
    expect(cfg.verifier).toMatchObject({ rescan: { every: 300_000 }, gracePeriod: 0, tombstoneTtl: 129_600_000 });
  });
});

describe('verifier.rescan.cron', () => {
  it('is validated at load with the parser BullMQ schedules with', () => {
    expect(issuesOf([...base, ...verifier('{ cron: "61 * * * *" }')]).message).toMatch(/verifier\.rescan\.cron: .*61/);
    expect(issuesOf([...base, ...verifier('{ cron: "every 5 minutes" }')]).issues).toEqual([
      { path: 'verifier.rescan.cron', message: expect.stringMatching(/cron/) },
    ]);
    expect(issuesOf([...base, ...verifier('{ cron: "0 0 31 2 *" }')]).issues[0]?.path).toBe('verifier.rescan.cron');
  });

  it('needs five fields (or six, with seconds), not a fragment the parser would complete', () => {
    expect(issuesOf([...base, ...verifier('{ cron: "*/5 *" }')]).message).toMatch(/5 fields/);
    expect(issuesOf([...base, ...verifier('{ cron: "" }')]).issues[0]?.path).toBe('verifier.rescan.cron');
  });

  it('takes a valid expression, and refuses one given beside every (which would be ignored)', () => {
    expect(load([...base, ...verifier('{ cron: "*/15 * * * *" }')]).verifier?.rescan.cron).toBe('*/15 * * * *');
    expect(load([...base, ...verifier('{ cron: "30 */15 * * * *" }')]).verifier?.rescan.cron).toBe('30 */15 * * * *');
    expect(issuesOf([...base, ...verifier('{ cron: "*/15 * * * *", every: 1m }')]).message).toMatch(/verifier\.rescan: .*every or cron/);
  });
});

describe('webhooks[].options', () => {
  const hook = (options: string, source = 'gar') => [
    ...base,
    'webhooks:',
    `  - { name: w, source: ${source}, registry: local, auth: { type: bearer, tokenEnv: T }, options: ${options} }`,
  ];

  it('refuses an unknown key (a misspelt option would silently do nothing)', () => {
    const err = issuesOf(hook('{ garPrefix: europe-docker.pkg.dev/p }'));
    expect(err.issues).toEqual([{ path: 'webhooks.0.options', message: expect.stringContaining('garPrefix') }]);
  });

  it('takes imagePathPrefix on a gar webhook only', () => {
    expect(load(hook('{ imagePathPrefix: europe-docker.pkg.dev/p }')).webhooks[0]?.options).toEqual({
      imagePathPrefix: 'europe-docker.pkg.dev/p',
    });
    expect(issuesOf(hook('{ imagePathPrefix: x/p }', 'harbor')).issues).toEqual([
      { path: 'webhooks.0.options.imagePathPrefix', message: expect.stringMatching(/only gar/) },
    ]);
  });
});
