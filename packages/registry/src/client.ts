import { digestAlgorithm, digestOf, isDigest, MANIFEST_ACCEPT } from '@signet/oci';
import { headerValue } from './body';
import { isMissing, isRegistryError, RegistryError } from './errors';
import { DEFAULT_MAX_BLOB_BYTES, MAX_MANIFEST_BYTES } from './limits';
import type { RegistryClientOptions } from './options';
import { paginate } from './pagination';
import { hasReferrersApi, listReferrers, type Referrers, type ReferrersOptions } from './referrers';
import { Transport, type SendResult } from './transport';
import type { Descriptor, FetchedManifest } from './types';

const pull = (repo: string) => `repository:${repo}:pull`;
const push = (repo: string) => `repository:${repo}:pull,push`;

export interface UploadResult {
  digest: string;
  /** `existed`: already there (HEAD); `mounted`: linked from another repository; `uploaded`: bytes sent. */
  how: 'existed' | 'mounted' | 'uploaded';
}

/** A client for one registry's distribution API (OCI distribution spec 1.1, Docker registry v2). */
export class RegistryClient {
  /** Auth, retries, budget and origins wrap every request once, here; callers see only the API below. */
  private readonly transport: Transport;

  constructor(options: RegistryClientOptions) {
    this.transport = new Transport(options);
  }

  get name(): string {
    return this.transport.options.name;
  }

  /** `host[:port]` of the registry, as it appears in image references. */
  get host(): string {
    return this.transport.host;
  }

  close(): Promise<void> {
    return this.transport.close();
  }

  /** GET /v2/: checks reachability and credentials. */
  async ping(): Promise<void> {
    await this.transport.send({ method: 'GET', path: '/v2/', scope: 'registry:base', ok: [200], maxBytes: 64 * 1024, what: 'ping' });
  }

  /** HEAD a manifest: the digest as the registry reports it (cheap; trusts the header). */
  async headManifest(repo: string, ref: string): Promise<Descriptor> {
    const res = await this.transport.send({
      method: 'HEAD',
      path: manifestPath(repo, ref),
      scope: pull(repo),
      headers: { accept: MANIFEST_ACCEPT },
      ok: [200],
      maxBytes: 0,
      what: `HEAD ${repo}:${ref}`,
    });
    const digest = headerValue(res.headers, 'docker-content-digest') ?? (isDigest(ref) ? ref : undefined);
    if (!digest || !isDigest(digest)) throw new RegistryError('REGISTRY_ERROR', `HEAD ${repo}:${ref}: no Docker-Content-Digest`);
    if (isDigest(ref) && digest !== ref) throw new RegistryError('DIGEST_MISMATCH', `HEAD ${repo}@${ref}: registry answered for ${digest}`);
    return {
      digest,
      mediaType: headerValue(res.headers, 'content-type') ?? '',
      size: Number(headerValue(res.headers, 'content-length') ?? 0),
    };
  }

  /**
   * GET a manifest and verify its digest: against the reference when it is a digest, else against the
   * `Docker-Content-Digest` header (a registry that lies about it gets DIGEST_MISMATCH, never retried).
   */
  async getManifest(repo: string, ref: string, accept = MANIFEST_ACCEPT): Promise<FetchedManifest> {
    const res = await this.transport.send({
      method: 'GET',
      path: manifestPath(repo, ref),
      scope: pull(repo),
      headers: { accept },
      ok: [200],
      maxBytes: MAX_MANIFEST_BYTES,
      what: `GET ${repo}:${ref}`,
    });
    const header = headerValue(res.headers, 'docker-content-digest');
    if (isDigest(ref)) assertDigest(res.body, ref, `manifest ${repo}@${ref}`);
    if (header) assertDigest(res.body, header, `manifest ${repo}:${ref} (Docker-Content-Digest)`);
    const digest = isDigest(ref) ? ref : (header ?? digestOf(res.body));
    return { digest, mediaType: manifestMediaType(res), bytes: res.body };
  }

  /** Like getManifest, but a missing manifest (or repository) is `undefined`. */
  async findManifest(repo: string, ref: string, accept = MANIFEST_ACCEPT): Promise<FetchedManifest | undefined> {
    try {
      return await this.getManifest(repo, ref, accept);
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  /** Tag (or digest) → verified digest, by GET as a signer must (HEAD would trust the header). */
  async resolve(repo: string, ref: string): Promise<string> {
    return (await this.getManifest(repo, ref)).digest;
  }

  /** PUT a manifest by tag or digest. Returns its digest and the `OCI-Subject` header, if any. */
  async putManifest(repo: string, ref: string, bytes: Buffer, mediaType: string): Promise<{ digest: string; subject?: string }> {
    if (bytes.length > MAX_MANIFEST_BYTES)
      throw new RegistryError('TOO_LARGE', `manifest for ${repo}:${ref} is over ${MAX_MANIFEST_BYTES} bytes`);
    const digest = digestOf(bytes);
    const res = await this.transport.send({
      method: 'PUT',
      path: manifestPath(repo, ref),
      scope: push(repo),
      headers: { 'content-type': mediaType },
      body: bytes,
      ok: [201, 200],
      maxBytes: 64 * 1024,
      what: `PUT ${repo}:${ref}`,
    });
    const echoed = headerValue(res.headers, 'docker-content-digest');
    if (echoed && echoed !== digest)
      throw new RegistryError('DIGEST_MISMATCH', `PUT ${repo}:${ref}: registry stored ${echoed}, sent ${digest}`);
    const subject = headerValue(res.headers, 'oci-subject');
    return { digest, ...(subject ? { subject } : {}) };
  }

  async deleteManifest(repo: string, digest: string): Promise<void> {
    await this.transport.send({
      method: 'DELETE',
      path: manifestPath(repo, digest),
      scope: `repository:${repo}:delete`,
      ok: [202, 200],
      maxBytes: 64 * 1024,
      what: `DELETE ${repo}@${digest}`,
    });
  }

  async blobExists(repo: string, digest: string): Promise<boolean> {
    try {
      await this.transport.send({
        method: 'HEAD',
        path: `/v2/${repo}/blobs/${digest}`,
        scope: pull(repo),
        ok: [200],
        maxBytes: 0,
        what: `HEAD blob ${digest}`,
        followRedirects: true,
      });
      return true;
    } catch (err) {
      if (isMissing(err)) return false;
      throw err;
    }
  }

  /** GET a blob into memory (at most `maxBytes`), verified against its digest. */
  async getBlob(repo: string, digest: string, maxBytes = DEFAULT_MAX_BLOB_BYTES): Promise<Buffer> {
    const res = await this.transport.send({
      method: 'GET',
      path: `/v2/${repo}/blobs/${digest}`,
      scope: pull(repo),
      ok: [200],
      maxBytes,
      what: `GET blob ${repo}@${digest}`,
      followRedirects: true,
    });
    assertDigest(res.body, digest, `blob ${repo}@${digest}`);
    return res.body;
  }

  /** Uploads a blob unless present: HEAD, then a cross-repository mount if `mountFrom` is given, else POST + monolithic PUT. */
  async uploadBlob(repo: string, data: Buffer, opts: { mountFrom?: string } = {}): Promise<UploadResult> {
    const digest = digestOf(data);
    if (await this.blobExists(repo, digest)) return { digest, how: 'existed' };
    for (let restart = 0; ; restart++) {
      const query = opts.mountFrom ? `?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(opts.mountFrom)}` : '';
      const started = await this.transport.send({
        method: 'POST',
        path: `/v2/${repo}/blobs/uploads/${query}`,
        scope: push(repo),
        ok: [201, 202],
        maxBytes: 64 * 1024,
        what: `start upload to ${repo}`,
      });
      if (started.status === 201) return { digest, how: 'mounted' };
      try {
        await this.putUpload(repo, started, digest, data);
        return { digest, how: 'uploaded' };
      } catch (err) {
        // A retried PUT whose first attempt went through finds the upload session gone: check the blob.
        if (!isRegistryError(err, 'BLOB_UNKNOWN') || restart > 0) throw err;
        if (await this.blobExists(repo, digest)) return { digest, how: 'uploaded' };
      }
    }
  }

  private async putUpload(repo: string, started: SendResult, digest: string, data: Buffer): Promise<void> {
    const location = headerValue(started.headers, 'location');
    if (!location) throw new RegistryError('REGISTRY_ERROR', `start upload to ${repo}: no Location`);
    const url = new URL(this.transport.sameOriginPath(location, `upload to ${repo}`), 'http://x');
    url.searchParams.set('digest', digest);
    await this.transport.send({
      method: 'PUT',
      path: url.pathname + url.search,
      scope: push(repo),
      headers: { 'content-type': 'application/octet-stream' },
      body: data,
      ok: [201, 204],
      maxBytes: 64 * 1024,
      what: `upload blob ${digest} to ${repo}`,
    });
  }

  /** Every tag of a repository, following `Link` pagination (`pageSize` = `n`). */
  tags(repo: string, opts: { pageSize?: number } = {}): AsyncIterable<string> {
    return paginate(this.transport, `/v2/${repo}/tags/list`, pull(repo), 'tags', opts.pageSize, `tags of ${repo}`);
  }

  /** Every repository in the registry (`_catalog`), following `Link` pagination. */
  catalog(opts: { pageSize?: number } = {}): AsyncIterable<string> {
    return paginate(this.transport, '/v2/_catalog', 'registry:catalog:*', 'repositories', opts.pageSize, 'catalog');
  }

  /**
   * Referrers of `digest`: the OCI 1.1 referrers API, following `Link: <...>; rel="next"` pages on this origin
   * and path only, at most `maxPages` (8) pages and `maxEntries` (512) descriptors (`truncated` says the rest
   * were not read); or the `sha256-<hex>` tag-schema index where the registry has no referrers API.
   */
  referrers(repo: string, digest: string, opts: ReferrersOptions = {}): Promise<Referrers> {
    return listReferrers(this, this.transport, repo, digest, opts);
  }

  /**
   * Whether the registry serves the OCI 1.1 referrers API; asked once per client. Without it every referrer is
   * a `sha256-<hex>` tag, so a tag listing shows every signature there is; with it, bundles are not listed.
   */
  hasReferrersApi(repo: string): Promise<boolean> {
    return hasReferrersApi(this.transport, repo);
  }
}

export function manifestPath(repo: string, ref: string): string {
  return `/v2/${repo}/manifests/${encodeURIComponent(ref).replace(/%3A/gi, ':')}`;
}

function manifestMediaType(res: SendResult): string {
  try {
    const parsed = JSON.parse(res.body.toString('utf8')) as { mediaType?: unknown };
    if (typeof parsed.mediaType === 'string') return parsed.mediaType;
  } catch {
    throw new RegistryError('MANIFEST_INVALID', 'manifest is not JSON');
  }
  return (headerValue(res.headers, 'content-type') ?? '').split(';')[0]!.trim();
}

/** Throws DIGEST_MISMATCH unless `bytes` hash to `expected` (computed with `expected`'s algorithm). */
function assertDigest(bytes: Buffer, expected: string, what: string): void {
  const actual = digestOf(bytes, digestAlgorithm(expected));
  if (actual !== expected) throw new RegistryError('DIGEST_MISMATCH', `${what}: content hashes to ${actual}, expected ${expected}`);
}
