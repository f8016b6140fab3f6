import { headerValue } from './body';
import { RegistryError } from './errors';
import type { Transport } from './transport';

/** The `rel="next"` target of a `Link` header, e.g. `</v2/_catalog?last=b&n=2>; rel="next"`. */
export function nextLink(link: string | undefined): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const m = /<([^>]*)>\s*;(.*)/.exec(part.trim());
    if (m && /rel="?next"?/i.test(m[2] ?? '')) return m[1];
  }
  return undefined;
}

const MAX_PAGES = 10_000;

/** Yields `field` entries of every page, following `Link` headers on the same registry only. */
export async function* paginate(
  transport: Transport,
  path: string,
  scope: string,
  field: 'tags' | 'repositories',
  pageSize: number | undefined,
  what: string,
): AsyncGenerator<string> {
  let next: string | undefined = pageSize ? `${path}?n=${pageSize}` : path;
  for (let page = 0; next !== undefined; page++) {
    if (page >= MAX_PAGES) throw new RegistryError('REGISTRY_ERROR', `${what}: more than ${MAX_PAGES} pages`);
    const res = await transport.send({ method: 'GET', path: next, scope, ok: [200], maxBytes: 16 * 1024 * 1024, what });
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(res.body.toString('utf8'));
    } catch (cause) {
      throw new RegistryError('REGISTRY_ERROR', `${what}: response is not JSON`, { cause });
    }
    const items = body[field];
    if (items !== null && items !== undefined && !Array.isArray(items))
      throw new RegistryError('REGISTRY_ERROR', `${what}: "${field}" is not a list`);
    for (const item of (items ?? []) as unknown[]) if (typeof item === 'string') yield item;
    const link = nextLink(headerValue(res.headers, 'link'));
    next = link === undefined ? undefined : transport.sameOriginPath(link, what);
  }
}
