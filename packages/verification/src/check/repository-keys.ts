import { createHash } from 'node:crypto';
import { globToRegExp } from '@signet/config';
import { PublicKeySet } from '@signet/crypto';

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
  private readonly revokedFingerprints: Set<string>;

  constructor(
    readonly defaults: PublicKeySet,
    rules: readonly RepositoryKeyRule[] = [],
    /** `verifier.revokedKeys`: never trusted, wherever else they are listed; their signatures are reported. */
    readonly revoked: PublicKeySet = new PublicKeySet([]),
  ) {
    this.revokedFingerprints = new Set(revoked.keys.map((k) => k.fingerprint.sha256));
    const usable = (set: PublicKeySet) =>
      set.keys.some((k) => this.revokedFingerprints.has(k.fingerprint.sha256))
        ? new PublicKeySet(set.keys.filter((k) => !this.revokedFingerprints.has(k.fingerprint.sha256)))
        : set;
    this.defaults = usable(defaults);
    this.rules = rules.map((r) => ({ registry: r.registry, repositories: r.repositories.map(globToRegExp), keys: usable(r.keys) }));
  }

  /** The keys that count for a repository (revoked keys removed). */
  for(registry: string, repository: string): PublicKeySet {
    const rule = this.rules.find(
      (r) => (r.registry === undefined || r.registry === registry) && r.repositories.some((g) => g.test(repository)),
    );
    return rule?.keys ?? this.defaults;
  }

  /**
   * Identifies the trust configuration (trusted and revoked keys, rules): a rescan that finds it changed
   * looks up every tag's signatures once, so tags judged `signed` before a revocation are judged again.
   */
  configFingerprint(): string {
    const set = (s: PublicKeySet) => s.keys.map((k) => k.fingerprint.sha256).sort();
    const parts = {
      defaults: set(this.defaults),
      rules: this.rules.map((r) => [r.registry ?? '', r.repositories.map(String), set(r.keys)]),
      revoked: set(this.revoked),
    };
    return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);
  }

  /** Short fingerprints of every key in use, for the start-up log. */
  fingerprints(): string[] {
    return [...new Set([this.defaults, ...this.rules.map((r) => r.keys)].flatMap((set) => set.keys.map((k) => k.fingerprint.short)))];
  }
}
