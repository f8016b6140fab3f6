import { ConcurrentUpdateError } from '@signet/errors';
import { OCI_INDEX, referrersTag } from '@signet/oci';
import { headerValue } from './body';
import type { RegistryClient } from './client';
import { isMissing, isRegistryError, RegistryError } from './errors';
import { MAX_MANIFEST_BYTES } from './limits';
import { parseImageIndex } from './manifests';
import { nextLink } from './pagination';
import type { Transport } from './transport';
import type { Descriptor } from './types';

export interface Referrers {
  manifests: Descriptor[];
  /** `api`: the registry's referrers API; `tag`: the `sha256-<hex>` fallback index (or neither exists). */
  via: 'api' | 'tag';
  /** Size of the index read (0 when there was none), for callers that bound what they read. */
  bytes: number;
  /**
   * The API had more pages or entries than the limits allow: the rest were not read. Anyone who can push can
   * add referrers, so a reader counts this as rejected content rather than trusting the list is complete.
   */
  truncated?: { pagesRead: number; entriesRead: number };
}

export interface ReferrerLimits {
  /** Pages of the referrers API followed through `Link: <...>; rel="next"`. */
  maxPages: number;
  /** Descriptors kept across all pages (before the artifact-type filter, which a registry may not apply). */
  maxEntries: number;
}

/**
 * A legitimate digest has a handful of referrers (bundles, attestations, SBOMs); the signature reader reads at
 * most 32 bundles. Registries page at 100 or more entries, so these bounds follow every page a real digest has
 * while an attacker who pushes thousands of referrers costs at most 8 index reads.
 */
export const DEFAULT_REFERRER_LIMITS: ReferrerLimits = { maxPages: 8, maxEntries: 512 };

export interface ReferrersOptions {
  /** Only referrers of this artifact type (filtered here too: the registry's filter is optional). */
  artifactType?: string;
  limits?: Partial<ReferrerLimits>;
}

/**
 * Referrers of `digest` (`RegistryClient.referrers`): the OCI 1.1 referrers API, or the tag-schema fallback
 * index where the registry has no such API (it answers 404/405, as Distribution 2.8 does).
 */
export async function listReferrers(
  client: RegistryClient,
  transport: Transport,
  repo: string,
  digest: string,
  opts: ReferrersOptions = {},
): Promise<Referrers> {
  const query = opts.artifactType ? `?artifactType=${encodeURIComponent(opts.artifactType)}` : '';
  if (apiKnown.get(transport) !== false) {
    const viaApi = await queryApi(transport, repo, digest, query, opts.artifactType, { ...DEFAULT_REFERRER_LIMITS, ...opts.limits });
    apiKnown.set(transport, viaApi !== undefined);
    if (viaApi === 'missing-repository') return { manifests: [], via: 'api', bytes: 0 };
    if (viaApi) return viaApi;
  }
  const index = await fallbackIndex(client, repo, digest);
  return { manifests: filter(index.manifests, opts.artifactType), via: 'tag', bytes: index.bytes };
}

/**
 * Whether each client's registry has the referrers API, once it has answered: without it, the extra request
 * is skipped from then on.
 */
const apiKnown = new WeakMap<Transport, boolean>();

/** A digest no manifest has: asking for its referrers shows whether the API exists. */
const PROBE_DIGEST = 'sha256:' + '0'.repeat(64);

/** Whether the registry serves the OCI 1.1 referrers API (`RegistryClient.hasReferrersApi`); asked once per client. */
export async function hasReferrersApi(transport: Transport, repo: string): Promise<boolean> {
  const known = apiKnown.get(transport);
  if (known !== undefined) return known;
  // The spec has a registry with the API answer 200 (an empty index) for any digest, so 404/405 means no API.
  const api = (await queryApi(transport, repo, PROBE_DIGEST, '', undefined, { ...DEFAULT_REFERRER_LIMITS, maxPages: 1 })) !== undefined;
  apiKnown.set(transport, api);
  return api;
}

async function queryApi(
  transport: Transport,
  repo: string,
  digest: string,
  query: string,
  artifactType: string | undefined,
  limits: ReferrerLimits,
): Promise<Referrers | 'missing-repository' | undefined> {
  const path = `/v2/${repo}/referrers/${digest}`;
  const what = `referrers of ${repo}@${digest}`;
  const found: Referrers = { manifests: [], via: 'api', bytes: 0 };
  try {
    // The spec pages a long answer with `Link: <next>; rel="next"`; stopping at the first page missed bundles.
    for (let next: string | undefined = path + query, page = 0; next !== undefined; page++) {
      if (page >= limits.maxPages) {
        found.truncated = { pagesRead: page, entriesRead: found.manifests.length };
        break;
      }
      const res = await transport.send({
        method: 'GET',
        path: next,
        scope: `repository:${repo}:pull`,
        headers: { accept: OCI_INDEX },
        ok: [200],
        maxBytes: MAX_MANIFEST_BYTES,
        what,
      });
      const type = headerValue(res.headers, 'content-type') ?? '';
      // A 200 that is not an index (some proxies answer unknown routes with HTML): treat as no API.
      if (!type.startsWith(OCI_INDEX)) {
        if (page === 0) return undefined;
        throw new RegistryError('REGISTRY_ERROR', `${what}: page ${page + 1} is not an image index`);
      }
      const entries = parseImageIndex(res.body, 'referrers index').manifests;
      const room = limits.maxEntries - found.manifests.length;
      found.manifests.push(...entries.slice(0, room));
      found.bytes += res.body.length;
      next = nextPage(transport, headerValue(res.headers, 'link'), path, what);
      if (entries.length > room) found.truncated = { pagesRead: page + 1, entriesRead: found.manifests.length };
      if (found.truncated) break;
    }
    return { ...found, manifests: filter(found.manifests, artifactType) };
  } catch (err) {
    // A registry with the API names a missing repository (NAME_UNKNOWN); Distribution 2.8 has no such route
    // at all and answers a plain-text 404, which is what marks the API as absent.
    if (isRegistryError(err, 'NAME_UNKNOWN')) return 'missing-repository';
    if (!isRegistryError(err) || ![404, 405, 400].includes(err.status ?? 0)) throw err;
    return undefined;
  }
}

/** The next page, only on the same origin and the same referrers path (a `Link` elsewhere is refused). */
function nextPage(transport: Transport, link: string | undefined, path: string, what: string): string | undefined {
  const target = nextLink(link);
  if (target === undefined) return undefined;
  const next = transport.sameOriginPath(target, what);
  if (next.split('?')[0] !== path) throw new RegistryError('REGISTRY_ERROR', `${what}: next page ${next} is not on ${path}`);
  return next;
}

function filter(manifests: Descriptor[], artifactType: string | undefined): Descriptor[] {
  return artifactType ? manifests.filter((m) => m.artifactType === artifactType) : manifests;
}

async function fallbackIndex(client: RegistryClient, repo: string, digest: string): Promise<{ manifests: Descriptor[]; bytes: number }> {
  const found = await client.findManifest(repo, referrersTag(digest), OCI_INDEX);
  return found
    ? { manifests: parseImageIndex(found.bytes, `referrers tag of ${digest}`).manifests, bytes: found.bytes.length }
    : { manifests: [], bytes: 0 };
}

/**
 * Adds `descriptor` to the fallback index at tag `sha256-<hex>` (read, append if absent, PUT, re-read; the
 * registry has no conditional PUT, so a lost update is detected and merged again, a bounded number of times).
 */
export async function addToReferrersIndex(
  client: RegistryClient,
  repo: string,
  subject: string,
  descriptor: Descriptor,
  maxAttempts = 5,
): Promise<void> {
  const tag = referrersTag(subject);
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    let current: Descriptor[] = [];
    try {
      current = (await fallbackIndex(client, repo, subject)).manifests;
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
    if (current.some((m) => m.digest === descriptor.digest)) return;
    const index = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [...current, descriptor] };
    await client.putManifest(repo, tag, Buffer.from(JSON.stringify(index)), OCI_INDEX);
    const after = (await fallbackIndex(client, repo, subject)).manifests;
    if (after.some((m) => m.digest === descriptor.digest)) return;
  }
  throw new ConcurrentUpdateError(`referrers index ${repo}:${tag}`, maxAttempts);
}
