import { globToRegExp } from '@signet/config';

export interface SignatureWindowRule {
  /** A registry name; every registry when undefined. */
  registry?: string | undefined;
  repositories: readonly string[];
  /** Push actors; every actor when undefined. */
  actors?: readonly string[] | undefined;
  /** How long (ms) a signature made outside Signet may take to appear. */
  window: number;
}

/**
 * Operators' signature windows: a push matching a rule (registry, repository glob, actor) is expected to be
 * signed outside Signet within the rule's window, so its digest stays `pending` that long instead of alerting.
 * First match wins. A push whose actor is unknown matches only rules that name no actors.
 */
export function signatureWindows(
  rules: readonly SignatureWindowRule[],
): (registry: string, repository: string, actor: string | undefined) => number | undefined {
  const compiled = rules.map((r) => ({ ...r, repositories: r.repositories.map(globToRegExp) }));
  return (registry, repository, actor) =>
    compiled.find(
      (r) =>
        (r.registry === undefined || r.registry === registry) &&
        r.repositories.some((g) => g.test(repository)) &&
        (r.actors === undefined || (actor !== undefined && r.actors.includes(actor))),
    )?.window;
}
