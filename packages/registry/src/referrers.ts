import { headerValue } from './body';
import { isMissing, MAX_MANIFEST_BYTES, type RegistryClient } from './client';
import { isRegistryError, RegistryError } from './errors';
import { parseImageIndex } from './manifests';
import { OCI_INDEX } from './media-types';
import { digestTag } from './reference';
import type { Descriptor } from './types';

export interface Referrers {
  manifests: Descriptor[];
  /** `api`: the registry's referrers API; `tag`: the `sha256-<hex>` fallback index (or neither exists). */
  via: 'api' | 'tag';
  /** Size of the index read (0 when there was none), for callers that bound what they read. */
  bytes: number;
}

/**
 * Referrers of `digest`: the OCI 1.1 referrers API, or the tag-schema fallback index where the registry
 * has no such API (it answers 404/405, as Distribution 2.8 does).
 */
export async function listReferrers(client: RegistryClient, repo: string, digest: string, opts: { artifactType?: string } = {}): Promise<Referrers> {
  const query = opts.artifactType ? `?artifactType=${encodeURIComponent(opts.artifactType)}` : '';
  if (apiKnown.get(client) !== false) {
    const viaApi = await queryApi(client, repo, digest, query, opts.artifactType);
    apiKnown.set(client, viaApi !== undefined);
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
const apiKnown = new WeakMap<RegistryClient, boolean>();

/** A digest no manifest has: asking for its referrers shows whether the API exists. */
const PROBE_DIGEST = 'sha256:' + '0'.repeat(64);

/**
 * Whether the registry serves the OCI 1.1 referrers API; asked once per client. Without it every referrer is
 * a `sha256-<hex>` tag, so a tag listing shows every signature there is; with it, bundles are not listed.
 */
export async function hasReferrersApi(client: RegistryClient, repo: string): Promise<boolean> {
  const known = apiKnown.get(client);
  if (known !== undefined) return known;
  // The spec has a registry with the API answer 200 (an empty index) for any digest, so 404/405 means no API.
  const api = (await queryApi(client, repo, PROBE_DIGEST, '', undefined)) !== undefined;
  apiKnown.set(client, api);
  return api;
}

async function queryApi(
  client: RegistryClient,
  repo: string,
  digest: string,
  query: string,
  artifactType: string | undefined,
): Promise<Referrers | 'missing-repository' | undefined> {
  try {
    const res = await client.transport.send({
      method: 'GET', path: `/v2/${repo}/referrers/${digest}${query}`, scope: `repository:${repo}:pull`, headers: { accept: OCI_INDEX },
      ok: [200], maxBytes: MAX_MANIFEST_BYTES, what: `referrers of ${repo}@${digest}`,
    });
    const type = headerValue(res.headers, 'content-type') ?? '';
    if (type.startsWith(OCI_INDEX)) return { manifests: filter(parseImageIndex(res.body, 'referrers index').manifests, artifactType), via: 'api', bytes: res.body.length };
    // A 200 that is not an index (some proxies answer unknown routes with HTML): treat as no API.
    return undefined;
  } catch (err) {
    // A registry with the API names a missing repository (NAME_UNKNOWN); Distribution 2.8 has no such route
    // at all and answers a plain-text 404, which is what marks the API as absent.
    if (isRegistryError(err, 'NAME_UNKNOWN')) return 'missing-repository';
    if (!isRegistryError(err) || ![404, 405, 400].includes(err.status ?? 0)) throw err;
    return undefined;
  }
}

function filter(manifests: Descriptor[], artifactType: string | undefined): Descriptor[] {
  return artifactType ? manifests.filter((m) => m.artifactType === artifactType) : manifests;
}

async function fallbackIndex(client: RegistryClient, repo: string, digest: string): Promise<{ manifests: Descriptor[]; bytes: number }> {
  const found = await client.findManifest(repo, digestTag(digest), OCI_INDEX);
  return found ? { manifests: parseImageIndex(found.bytes, `referrers tag of ${digest}`).manifests, bytes: found.bytes.length } : { manifests: [], bytes: 0 };
}

/**
 * Adds `descriptor` to the fallback index at tag `sha256-<hex>` (read, append if absent, PUT, re-read; the
 * registry has no conditional PUT, so a lost update is detected and merged again, a bounded number of times).
 */
export async function addToReferrersIndex(client: RegistryClient, repo: string, subject: string, descriptor: Descriptor, maxAttempts = 5): Promise<void> {
  const tag = digestTag(subject);
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
  throw new RegistryError('CONCURRENT_UPDATE', `referrers index ${repo}:${tag} kept changing; gave up after ${maxAttempts} attempts`, { retryable: true });
}
