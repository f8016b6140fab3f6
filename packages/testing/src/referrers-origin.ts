import { createHash } from 'node:crypto';
import { OCI_INDEX, OCI_MANIFEST, SIGSTORE_BUNDLE } from '@signet/oci';
import { startForeignOrigin, type ForeignOrigin } from './foreign-origin';

/** One entry of a referrers list as a registry sends it. */
export interface ReferrerEntry {
  mediaType: string;
  digest: string;
  size: number;
  artifactType: string;
}

const sha256 = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;

/** `count` distinct referrer entries (Sigstore bundles unless `artifactType` says otherwise). */
export function referrerEntries(count: number, artifactType: string = SIGSTORE_BUNDLE): ReferrerEntry[] {
  return Array.from({ length: count }, (_, i) => ({ mediaType: OCI_MANIFEST, digest: sha256(`referrer ${i}`), size: 500, artifactType }));
}

export interface ReferrersOriginOptions {
  /** Entries per page. */
  pageSize: number;
  /** The `Link` header for the page starting at entry `last`, sent while entries remain; by default this URL with `last` set. */
  link?: (last: number, url: URL) => string;
}

function sameUrlWithLast(last: number, url: URL): string {
  const query = new URLSearchParams(url.search);
  query.set('last', String(last));
  return `<${url.pathname}?${query}>; rel="next"`;
}

/**
 * A registry with the OCI 1.1 referrers API (which Distribution 2.8 lacks) for the one path `path`
 * (`/v2/<repository>/referrers/<digest>`), paging `entries` with `Link: <next>; rel="next"` as the distribution
 * spec does. Any other path is MANIFEST_UNKNOWN. Filtering by artifactType is a SHOULD: this registry ignores it
 * (sending no OCI-Filters-Applied).
 */
export function startReferrersOrigin(
  path: string,
  entries: readonly ReferrerEntry[],
  options: ReferrersOriginOptions,
): Promise<ForeignOrigin> {
  const { pageSize, link = sameUrlWithLast } = options;
  return startForeignOrigin((_req, res, url) => {
    if (url.pathname !== path) {
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] }));
      return;
    }
    const start = Number(url.searchParams.get('last') ?? 0);
    const headers: Record<string, string> = { 'content-type': OCI_INDEX };
    if (start + pageSize < entries.length) headers.link = link(start + pageSize, url);
    res
      .writeHead(200, headers)
      .end(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: entries.slice(start, start + pageSize) }));
  });
}
