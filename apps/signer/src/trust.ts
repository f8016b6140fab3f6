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

/**
 * A glob over `/`-separated names: `*` matches within one segment, `**` any number of segments (including
 * none), `?` one character. Everything else is literal, so a rule cannot accidentally be a regex.
 */
export function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*' && glob[i + 1] === '*') {
      const slashAfter = glob[i + 2] === '/';
      const atSegmentStart = i === 0 || glob[i - 1] === '/';
      if (atSegmentStart && slashAfter) {
        out += '(?:[^/]+/)*';
        i += 2;
      } else if (atSegmentStart && i + 2 === glob.length && out.endsWith('/')) {
        // `team/**` also matches `team` itself.
        out = out.slice(0, -1) + '(?:/.*)?';
        i += 1;
      } else {
        out += '.*';
        i += 1;
      }
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
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
