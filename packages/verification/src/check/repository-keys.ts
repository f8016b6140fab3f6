import { globToRegExp } from '@signet/config';
import type { PublicKeySet } from '@signet/crypto';

export interface RepositoryKeyRule {
  /** A registry name; every registry when undefined. */
  registry?: string | undefined;
  repositories: readonly string[];
  keys: PublicKeySet;
}

/**
 * Which keys may sign a repository's images: the first rule whose registry and repository globs match, else
 * the default set. A team's repositories can so require the team's own key, and a signature by any other
 * trusted key there is judged invalid.
 */
export class RepositoryKeys {
  private readonly rules: { registry?: string | undefined; repositories: RegExp[]; keys: PublicKeySet }[];

  constructor(
    readonly defaults: PublicKeySet,
    rules: readonly RepositoryKeyRule[] = [],
  ) {
    this.rules = rules.map((r) => ({ registry: r.registry, repositories: r.repositories.map(globToRegExp), keys: r.keys }));
  }

  for(registry: string, repository: string): PublicKeySet {
    const rule = this.rules.find((r) => (r.registry === undefined || r.registry === registry) && r.repositories.some((g) => g.test(repository)));
    return rule?.keys ?? this.defaults;
  }

  /** Short fingerprints of every key in use, for the start-up log. */
  fingerprints(): string[] {
    return [...new Set([this.defaults, ...this.rules.map((r) => r.keys)].flatMap((set) => set.keys.map((k) => k.fingerprint.short)))];
  }
}
