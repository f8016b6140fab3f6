import { spawnSync } from 'node:child_process';
import { repoRoot } from '@signet/testing';

describe('npm run demo', () => {
  it('tells the whole story and ends with the alert delivered by Alertmanager', () => {
    const run = spawnSync('npm', ['run', 'demo', '--silent'], { cwd: repoRoot(), encoding: 'utf8', timeout: 170_000 });
    const out = run.stdout + run.stderr;
    expect(out).toContain('DEMO OK');
    expect(run.status).toBe(0);
    expect(out).toMatch(/signet verify[\s\S]*exit 0/);
    expect(out).toMatch(/signet verify again\n.*exit 1/);
    expect(out).toMatch(/signet_tag_violation\{registry="demo",repository="demo\/app",tag="1.0.0"/);
    expect(out).toMatch(/Alertmanager delivered it \d+ ms after the push/);
  });
});
