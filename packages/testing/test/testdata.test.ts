import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoRoot, sharedDir, upstreamSharedDir } from '../src';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

const copy = join(repoRoot(), 'testdata', 'shared');
const FOLDERS = ['fixtures', join('harness', 'captured')];

describe('testdata/shared, the copy of the interop fixtures', () => {
  it('holds the cosign and webhook fixtures tests read', () => {
    for (const f of ['fixtures/cosign/README.md', 'fixtures/webhooks/DIGEST', 'harness/captured/registry-notify-manifest-push.json']) {
      expect(statSync(join(copy, f)).size).toBeGreaterThan(0);
    }
    expect(readFileSync(sharedDir('fixtures/webhooks/DIGEST'), 'utf8')).toMatch(/^sha256:[0-9a-f]{64}/);
  });

  it('is byte-identical to ../shared whenever the original is beside the checkout', () => {
    const upstream = upstreamSharedDir();
    // In a clone that stands alone there is nothing to compare with; the copy is then what tests read.
    const origin = upstream ?? copy;
    for (const folder of FOLDERS) {
      const theirs = files(join(origin, folder))
        .map((f) => relative(origin, f))
        .sort();
      const ours = files(join(copy, folder))
        .map((f) => relative(copy, f))
        .sort();
      expect(ours).toEqual(theirs);
      for (const f of theirs) expect(readFileSync(join(copy, f)).equals(readFileSync(join(origin, f)))).toBe(true);
    }
  });

  it('is committed: git tracks every file of the copy (an ignore rule must not drop one)', () => {
    const root = repoRoot();
    expect(existsSync(join(root, '.git'))).toBe(true);
    const tracked = new Set(
      execFileSync('git', ['ls-files', 'testdata/shared'], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean),
    );
    const onDisk = FOLDERS.flatMap((folder) => files(join(copy, folder))).map((f) => relative(root, f));
    expect(onDisk.filter((f) => !tracked.has(f))).toEqual([]);
  });
});
