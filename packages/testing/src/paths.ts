import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The repository root (the directory holding nx.json). */
export function repoRoot(from = __dirname): string {
  let dir = resolve(from);
  while (!existsSync(join(dir, 'nx.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no nx.json above ${from}`);
    dir = up;
  }
  return dir;
}

/** `../shared` beside the checkout, where the specs and interop fixtures are kept, when it is there. */
export function upstreamSharedDir(): string | undefined {
  const dir = join(repoRoot(), '..', 'shared');
  return existsSync(join(dir, 'fixtures')) ? dir : undefined;
}

/**
 * Fixtures made by the real cosign, containers/image and registries: `../shared` beside the checkout, or
 * the byte-identical copy in `testdata/shared` in a clone that stands alone.
 */
export function sharedDir(...parts: string[]): string {
  return join(upstreamSharedDir() ?? join(repoRoot(), 'testdata', 'shared'), ...parts);
}
