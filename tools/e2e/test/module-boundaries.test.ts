import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@signet/testing';

interface Probe {
  /** The file the code is linted as (it need not exist). */
  path: string;
  code: string;
}

/** One eslint process lints every probe through the Node API with the repository's own config. */
const LINT_PROBES = `
const { ESLint } = require('eslint');
(async () => {
  const probes = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
  const eslint = new ESLint({ cwd: process.cwd() });
  const out = [];
  for (const p of probes) {
    const [result] = await eslint.lintText(p.code, { filePath: p.path });
    out.push((result ? result.messages : []).filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message));
  }
  process.stdout.write(JSON.stringify(out));
})().catch((err) => { console.error(err); process.exit(1); });
`;

/** The module-boundary messages for each probe, in order. */
function lintProbes(probes: Probe[]): string[][] {
  const root = repoRoot();
  const run = spawnSync(process.execPath, ['-e', LINT_PROBES], {
    cwd: root,
    input: JSON.stringify(probes),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`eslint failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as string[][];
}

/**
 * The lint rule reads the project graph nx last cached; an nx command brings it up to date, so projects and
 * tags added since the last nx run count.
 */
function refreshProjectGraph(): void {
  const root = repoRoot();
  const run = spawnSync(join(root, 'node_modules/.bin/nx'), ['show', 'projects'], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NX_DAEMON: 'false' },
  });
  if (run.status !== 0) throw new Error(`nx show projects failed: ${run.stderr}`);
}

beforeAll(refreshProjectGraph);

/** Lints source text as if it were the file at `path` and returns the boundary messages. */
async function boundaryErrors(path: string, code: string): Promise<string[]> {
  return lintProbes([{ path, code }])[0]!;
}

interface Project {
  /** `packages/<name>` or `apps/<name>`. */
  dir: string;
  /** What other projects import: the package.json name, `@signet/<name>`. */
  importName: string;
  tags: string[];
}

/** The `@signet/*` packages a project's product sources import (specs aside). */
function signetImportsOf(dir: string): string[] {
  const src = join(repoRoot(), dir, 'src');
  const files = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'));
  return files.flatMap((f) => [...readFileSync(join(src, f), 'utf8').matchAll(/from '(@signet\/[a-z0-9-]+)'/g)].map((m) => m[1]!));
}

/** Every package `importName` depends on, directly or through others. */
function signetImportsClosure(importName: string, packages: Project[]): Set<string> {
  const byName = new Map(packages.map((p) => [p.importName, p]));
  const seen = new Set<string>();
  const visit = (name: string) => {
    const project = byName.get(name);
    if (!project) return;
    for (const dep of signetImportsOf(project.dir)) {
      if (dep === importName || seen.has(dep)) continue;
      seen.add(dep);
      visit(dep);
    }
  };
  visit(importName);
  return seen;
}

/** Every project under `packages/` or `apps/`, as found on disk, so a new one is covered without an edit here. */
function projectsIn(kind: 'packages' | 'apps'): Project[] {
  const root = repoRoot();
  return readdirSync(join(root, kind))
    .filter((name) => existsSync(join(root, kind, name, 'project.json')))
    .sort()
    .map((name) => {
      const dir = `${kind}/${name}`;
      const { tags = [] } = JSON.parse(readFileSync(join(root, dir, 'project.json'), 'utf8')) as { tags?: string[] };
      const { name: importName } = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as { name: string };
      return { dir, importName, tags };
    });
}

const importOf = (name: string) => `import '${name}';\n`;

describe('module boundaries (lint)', () => {
  it('fails an app importing another app', async () => {
    expect(await boundaryErrors('apps/signer/src/probe.ts', "import '@signet/verifier';\n")).not.toHaveLength(0);
  });

  it('fails a package importing an app', async () => {
    expect(await boundaryErrors('packages/queue/src/probe.ts', "import '@signet/signer';\n")).not.toHaveLength(0);
  });

  it('lets apps and packages import packages', async () => {
    expect(await boundaryErrors('apps/signer/src/probe.ts', "import '@signet/crypto';\n")).toEqual([]);
    expect(await boundaryErrors('packages/registry/src/probe.ts', "import '@signet/crypto';\n")).toEqual([]);
  });

  it('keeps packages/oci a leaf that every package may import', async () => {
    expect(await boundaryErrors('packages/oci/src/probe.ts', "import '@signet/crypto';\n")).not.toHaveLength(0);
    expect(await boundaryErrors('packages/crypto/src/probe.ts', "import '@signet/oci';\n")).toEqual([]);
    expect(await boundaryErrors('packages/events/src/probe.ts', "import '@signet/oci';\n")).toEqual([]);
  });

  it('keeps packages/errors a leaf that every package and app may import', async () => {
    expect(await boundaryErrors('packages/errors/src/probe.ts', "import '@signet/queue';\n")).not.toHaveLength(0);
    expect(await boundaryErrors('packages/oci/src/probe.ts', "import '@signet/errors';\n")).toEqual([]);
    expect(await boundaryErrors('packages/queue/src/probe.ts', "import '@signet/errors';\n")).toEqual([]);
    expect(await boundaryErrors('apps/signer/src/probe.ts', "import '@signet/errors';\n")).toEqual([]);
  });
});

describe('module boundaries of every app and package (lint)', () => {
  const packages = projectsIn('packages');
  const apps = projectsIn('apps');
  const testHelpers = packages.filter((p) => p.tags.includes('scope:test'));
  const product = [...apps, ...packages].filter((p) => !testHelpers.includes(p));
  const leaves = packages.filter((p) => p.tags.includes('layer:leaf'));
  const nonLeaves = packages.filter((p) => !leaves.includes(p));
  const signer = apps.find((a) => a.dir === 'apps/signer')!;
  // What the test helpers import, directly or through another package, cannot use them, even in tests (a cycle).
  const helperDeps = signetImportsClosure('@signet/testing', [...packages]);

  /** Each group: probes all expected refused (`true`) or all allowed (`false`). */
  const groups = {
    testingInProduct: { refused: true, probes: product.map((p) => ({ path: `${p.dir}/src/probe.ts`, code: importOf('@signet/testing') })) },
    testingInTests: {
      refused: false,
      probes: [
        ...product
          .filter((p) => !helperDeps.has(p.importName))
          .flatMap((p) => [`${p.dir}/test/probe.test.ts`, `${p.dir}/test/env.ts`, `${p.dir}/src/probe.spec.ts`]),
        'tools/e2e/test/probe.test.ts',
        'tools/bench/probe/bench.ts',
        'tools/demo/probe.ts',
      ].map((path) => ({ path, code: importOf('@signet/testing') })),
    },
    packagesInApp: {
      refused: false,
      probes: product
        .filter((p) => p.dir.startsWith('packages/'))
        .map((p) => ({ path: `${signer.dir}/src/probe.ts`, code: importOf(p.importName) })),
    },
    appInPackages: { refused: true, probes: packages.map((p) => ({ path: `${p.dir}/src/probe.ts`, code: importOf(signer.importName) })) },
    // registry stands for "anything else": it is no leaf.
    nonLeafInLeaves: { refused: true, probes: leaves.map((l) => ({ path: `${l.dir}/src/probe.ts`, code: importOf('@signet/registry') })) },
    leavesInPackages: {
      refused: false,
      probes: nonLeaves.flatMap((p) => leaves.map((l) => ({ path: `${p.dir}/src/probe.ts`, code: importOf(l.importName) }))),
    },
  };
  /** Per group, the probes whose lint result was not the expected one (`path: import`); empty when all were. */
  const unexpected: Record<keyof typeof groups, string[]> = {} as Record<keyof typeof groups, string[]>;

  beforeAll(() => {
    const all = Object.values(groups).flatMap((g) => g.probes);
    const results = lintProbes(all);
    let i = 0;
    for (const [name, group] of Object.entries(groups) as Array<[keyof typeof groups, (typeof groups)[keyof typeof groups]]>) {
      unexpected[name] = group.probes.filter(() => results[i++]!.length > 0 !== group.refused).map((p) => `${p.path}: ${p.code.trim()}`);
    }
  });

  it('finds the projects, and @signet/testing is the one tagged scope:test', () => {
    expect(apps.map((a) => a.dir)).toContain('apps/signer');
    expect(packages.map((p) => p.dir)).toEqual(
      expect.arrayContaining(['packages/registry', 'packages/signatures', 'packages/queue', 'packages/oci']),
    );
    expect(testHelpers.map((p) => p.importName)).toEqual(['@signet/testing']);
  });

  it('refuses @signet/testing in the product code of every app and package', () => {
    expect(groups.testingInProduct.probes.length).toBe(product.length);
    expect(unexpected.testingInProduct).toEqual([]);
  });

  it('lets the tests and specs of every project, and the tools, use @signet/testing', () => {
    expect(unexpected.testingInTests).toEqual([]);
  });

  it('lets an app import every package but the test helpers, and refuses every package importing an app', () => {
    expect(unexpected.packagesInApp).toEqual([]);
    expect(unexpected.appInPackages).toEqual([]);
  });

  it('keeps every leaf package a leaf that every other package may import', () => {
    expect(leaves.length).toBeGreaterThan(0);
    expect(unexpected.nonLeafInLeaves).toEqual([]);
    expect(unexpected.leavesInPackages).toEqual([]);
  });
});
