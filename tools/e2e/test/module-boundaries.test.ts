import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '@signet/testing';

/** Lints source text as if it were the file at `path` (the real eslint CLI) and returns the boundary messages. */
async function boundaryErrors(path: string, code: string): Promise<string[]> {
  const root = repoRoot();
  const run = spawnSync(join(root, 'node_modules/.bin/eslint'), ['--stdin', '--stdin-filename', path, '--format', 'json'], {
    cwd: root,
    input: code,
    encoding: 'utf8',
  });
  const [result] = JSON.parse(run.stdout) as Array<{ messages: Array<{ ruleId: string | null; message: string }> }>;
  return (result?.messages ?? []).filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message);
}

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
