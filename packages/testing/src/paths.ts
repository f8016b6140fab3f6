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

/** The push fixture of each webhook source, under `fixtures/webhooks/` (CloudEvents senders have none). */
export const PUSH_FIXTURES = {
  distribution: 'distribution/manifest-push.real.json',
  harbor: 'harbor/push-artifact.json',
  github: 'github/registry-package-published.json',
  dockerhub: 'dockerhub/push.json',
  acr: 'acr/push.json',
  quay: 'quay/repo-push.json',
  artifactory: 'artifactory/docker-pushed.json',
  ecr: 'ecr/image-push.json',
  gar: 'gar/pubsub-push.json',
} as const satisfies Record<string, string>;
