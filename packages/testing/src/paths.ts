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

/** `../shared` beside the checkout: specs and fixtures made by real cosign and containers/image. */
export function sharedDir(...parts: string[]): string {
  return join(repoRoot(), '..', 'shared', ...parts);
}
