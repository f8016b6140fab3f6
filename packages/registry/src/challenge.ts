/** One parsed `WWW-Authenticate` challenge, e.g. `Bearer realm="…",service="…",scope="…"`. */
export interface AuthChallenge {
  scheme: 'basic' | 'bearer' | string;
  params: Record<string, string>;
}

/**
 * Parses a `WWW-Authenticate` header value (RFC 7235 auth-params, quoted strings may hold commas, as the
 * `scope` of a Docker token challenge does). Returns the first challenge; registries send one.
 */
export function parseChallenge(header: string | undefined): AuthChallenge | undefined {
  if (!header) return undefined;
  const m = /^\s*([A-Za-z][\w-]*)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const scheme = (m[1] ?? '').toLowerCase();
  const params: Record<string, string> = {};
  const rest = m[2] ?? '';
  const pair = /\s*([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*,?/gy;
  let p: RegExpExecArray | null;
  while ((p = pair.exec(rest)) !== null && p[0].length > 0) {
    const key = (p[1] ?? '').toLowerCase();
    params[key] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : (p[3] ?? '');
  }
  return { scheme, params };
}
