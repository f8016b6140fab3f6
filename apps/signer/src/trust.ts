import { globToRegExp } from '@signet/config';

/** One trust rule from config: pushes to these repositories of this registry by these actors are signed. */
export interface TrustRule {
  registry: string;
  repositories: readonly string[];
  actors: readonly string[];
}

export interface PushIdentity {
  registry: string;
  repository: string;
  actor?: string | undefined;
}

/** Compiled trust rules. Default deny: a push no rule matches (or one without an actor) is untrusted. */
export class TrustPolicy {
  private readonly rules: { registry: string; repositories: RegExp[]; actors: RegExp[] }[];

  constructor(rules: readonly TrustRule[]) {
    this.rules = rules.map((r) => ({ registry: r.registry, repositories: r.repositories.map(globToRegExp), actors: r.actors.map(globToRegExp) }));
  }

  isTrusted(push: PushIdentity): boolean {
    const actor = push.actor;
    if (!actor) return false;
    return this.rules.some(
      (r) => r.registry === push.registry && r.repositories.some((g) => g.test(push.repository)) && r.actors.some((a) => a.test(actor)),
    );
  }
}
