import { globToRegExp } from '@signet/config';

/** One trust rule from config: pushes to these repositories of this registry by these actors are signed. */
export interface TrustRule {
  registry: string;
  repositories: readonly string[];
  actors: readonly string[];
  /** Also sign pushes whose event names no digest (the digest is then learned at job time: see `judge`). */
  signTagOnlyEvents?: boolean;
}

export interface PushIdentity {
  registry: string;
  repository: string;
  actor?: string | undefined;
  /** The digest the event itself named; absent for tag-only senders (Docker Hub, Quay). */
  digest?: string | undefined;
}

/**
 * - `trusted`: sign the push;
 * - `untrusted`: no rule matches the registry, repository and actor (or the event names no actor);
 * - `unverifiable`: a rule matches, but the event names no digest and no matching rule opts in to signing
 *   tag-only events. Whatever the tag resolves to when the job runs may have been pushed by someone else
 *   after the trusted push, so the event is no evidence about it.
 */
export type TrustVerdict = 'trusted' | 'untrusted' | 'unverifiable';

interface CompiledRule {
  registry: string;
  repositories: RegExp[];
  actors: RegExp[];
  signTagOnlyEvents: boolean;
}

/** Compiled trust rules. Default deny: a push no rule matches (or one without an actor) is untrusted. */
export class TrustPolicy {
  private readonly rules: CompiledRule[];

  constructor(rules: readonly TrustRule[]) {
    this.rules = rules.map((r) => ({
      registry: r.registry,
      repositories: r.repositories.map(globToRegExp),
      actors: r.actors.map(globToRegExp),
      signTagOnlyEvents: r.signTagOnlyEvents ?? false,
    }));
  }

  judge(push: PushIdentity): TrustVerdict {
    const matching = this.matching(push);
    if (matching.length === 0) return 'untrusted';
    if (push.digest === undefined && !matching.some((r) => r.signTagOnlyEvents)) return 'unverifiable';
    return 'trusted';
  }

  private matching(push: PushIdentity): CompiledRule[] {
    const actor = push.actor;
    if (!actor) return [];
    return this.rules.filter(
      (r) => r.registry === push.registry && r.repositories.some((g) => g.test(push.repository)) && r.actors.some((a) => a.test(actor)),
    );
  }
}
