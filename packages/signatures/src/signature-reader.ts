import { DOCKER_MANIFEST, OCI_MANIFEST, parseBundleEnvelope, SIGNATURE_ANNOTATION, SIMPLE_SIGNING, type DsseEnvelope } from '@signet/oci';
import {
  DEFAULT_MAX_BLOB_BYTES,
  isRegistryError,
  parseImageManifest,
  type Descriptor,
  type FetchedManifest,
  type ImageManifest,
  type Referrers,
  type RegistryClient,
  type RegistryErrorCode,
} from '@signet/registry';

/*
 * Reading one digest's signatures. Everything read here (the `.sig` manifest and its blobs, the referrers
 * fallback index, bundle manifests and blobs) is written by whoever can push, so what cannot be read is a
 * rejected artifact, recorded and skipped while the rest is still read; only a failure to get an answer
 * from the registry (network, timeout, 401/403, 429, 5xx) is thrown. Reads are bounded per digest and done
 * one at a time, and a blob named by several layers is fetched once.
 */

/** One layer of a `.sig` manifest: a cosign simple-signing payload and its signature. */
export interface SimpleSigningSignature {
  kind: 'simple-signing';
  /** Digest of the `.sig` manifest holding the layer. */
  manifestDigest: string;
  layer: Descriptor;
  /** Exact payload bytes (the layer blob, digest verified). */
  payload: Buffer;
  /** The `dev.cosignproject.cosign/signature` annotation (base64 DER). */
  signature: string;
  annotations: Record<string, string>;
}

/** A sigstore bundle attached as an OCI 1.1 referrer; the verifier checks the DSSE PAE signature and subject. */
export interface BundleSignature {
  kind: 'bundle';
  manifestDigest: string;
  /** Raw bundle JSON as stored. */
  bundle: Buffer;
  envelope: DsseEnvelope;
}

export type StoredSignature = SimpleSigningSignature | BundleSignature;

export interface SignatureLimits {
  /** Signature layers of the `.sig` manifest, and bundle referrers, read per digest; the rest are rejected. */
  maxLayers: number;
  /** Bytes read per digest: manifests, the referrers index and blobs together. */
  maxBytes: number;
  /** Largest single blob (payload or bundle) read. */
  maxBlobBytes: number;
}

/**
 * A legitimate `.sig` holds a few layers of ~300-byte payloads, and a bundle is a few KiB; the per-blob
 * limit is containers/image's. Every read starts only while the budget lasts and is itself bounded (a
 * manifest by the client's 4 MiB, a blob by what is left), so a digest holds at most the bytes limit plus
 * two manifests in memory (the `.sig` manifest and referrers index are read together), however many layers
 * a pusher writes.
 */
export const DEFAULT_SIGNATURE_LIMITS: SignatureLimits = { maxLayers: 32, maxBytes: 4 * 1024 * 1024, maxBlobBytes: DEFAULT_MAX_BLOB_BYTES };

export type RejectionCode =
  | 'ARTIFACT_TOO_LARGE'
  | 'TOO_MANY_SIGNATURES'
  | 'SIGNATURE_BYTES_EXCEEDED'
  | 'MALFORMED_ARTIFACT'
  | 'MISSING_CONTENT'
  | 'CONTENT_MISMATCH'
  | 'SUBJECT_MISMATCH'
  | 'MALFORMED_BUNDLE';

/** A signature artifact that was skipped: what it was, and why. */
export interface RejectedArtifact {
  code: RejectionCode;
  artifact: string;
  message: string;
}

export interface SignatureReading {
  signatures: StoredSignature[];
  rejected: RejectedArtifact[];
  /** Bytes of manifests, index and blobs read for this digest. */
  bytesRead: number;
}

/**
 * Registry answers that come from what was pushed rather than from the registry's state: a blob or manifest
 * over a limit, bytes that are not a manifest, content that does not hash to its digest, and content a
 * manifest or index names that is not there (a pusher can name any digest).
 */
const PUSHED_DATA: Partial<Record<RegistryErrorCode, RejectionCode>> = {
  TOO_LARGE: 'ARTIFACT_TOO_LARGE',
  MANIFEST_INVALID: 'MALFORMED_ARTIFACT',
  DIGEST_MISMATCH: 'CONTENT_MISMATCH',
  MANIFEST_UNKNOWN: 'MISSING_CONTENT',
  BLOB_UNKNOWN: 'MISSING_CONTENT',
};

/** One digest's reads: the byte budget, the blobs already fetched, and what was rejected. */
export class SignatureReadSession {
  bytesRead = 0;
  readonly rejected: RejectedArtifact[] = [];
  private readonly blobs = new Map<string, Buffer | undefined>();

  constructor(
    readonly client: RegistryClient,
    readonly repo: string,
    readonly limits: SignatureLimits,
  ) {}

  reject(code: RejectionCode, artifact: string, message: string): void {
    this.rejected.push({ code, artifact, message });
  }

  /** Runs one read of pushed content: data errors become a rejection and `undefined`; the rest throw. */
  async attempt<T>(artifact: string, read: () => T | Promise<T>): Promise<T | undefined> {
    try {
      return await read();
    } catch (err) {
      const code = isRegistryError(err) ? PUSHED_DATA[err.code] : undefined;
      if (!code) throw err;
      this.reject(code, artifact, (err as Error).message);
      return undefined;
    }
  }

  /** Whether `size` more bytes fit the budget; records a rejection when they do not. */
  fits(size: number, artifact: string): boolean {
    // A spent budget refuses even a claimed size of 0: the size is the pusher's word.
    const left = this.limits.maxBytes - this.bytesRead;
    if (left > 0 && size <= left) return true;
    this.reject(
      'SIGNATURE_BYTES_EXCEEDED',
      artifact,
      `${size} more bytes would pass the ${this.limits.maxBytes}-byte limit for one digest's signatures`,
    );
    return false;
  }

  /** A manifest by tag or digest; `undefined` when it does not exist or was rejected. */
  async manifest(ref: string, artifact: string, accept?: string): Promise<FetchedManifest | undefined> {
    const found = await this.attempt(artifact, () => this.client.findManifest(this.repo, ref, accept));
    if (found) this.bytesRead += found.bytes.length;
    return found;
  }

  parseManifest(found: FetchedManifest, artifact: string): Promise<ImageManifest | undefined> {
    return this.attempt(artifact, () => parseImageManifest(found.bytes, artifact));
  }

  /** A blob, fetched once per digest however many layers name it; `undefined` when rejected. */
  async blob(desc: Descriptor, artifact: string): Promise<Buffer | undefined> {
    if (this.blobs.has(desc.digest)) return this.blobs.get(desc.digest);
    const bytes = await this.fetchBlob(desc, artifact);
    this.blobs.set(desc.digest, bytes);
    return bytes;
  }

  private async fetchBlob(desc: Descriptor, artifact: string): Promise<Buffer | undefined> {
    const { maxBlobBytes, maxBytes } = this.limits;
    if (desc.size > maxBlobBytes) {
      this.reject('ARTIFACT_TOO_LARGE', artifact, `${desc.size} bytes is over the ${maxBlobBytes}-byte limit`);
      return undefined;
    }
    if (!this.fits(desc.size, artifact)) return undefined;
    // The descriptor's size is the pusher's claim: the read itself stops at the same bounds.
    const bytes = await this.attempt(artifact, () =>
      this.client.getBlob(this.repo, desc.digest, Math.min(maxBlobBytes, maxBytes - this.bytesRead)),
    );
    if (bytes) this.bytesRead += bytes.length;
    return bytes;
  }

  /** The first `maxLayers` of `items`, distinct by `key`; the excess is one rejection. */
  capped<T>(items: readonly T[], key: (item: T) => string, artifact: string): T[] {
    const seen = new Set<string>();
    const distinct = items.filter((item) => !seen.has(key(item)) && seen.add(key(item)));
    const { maxLayers } = this.limits;
    if (distinct.length > maxLayers) {
      this.reject('TOO_MANY_SIGNATURES', artifact, `${distinct.length} signatures; only the first ${maxLayers} are read`);
    }
    return distinct.slice(0, maxLayers);
  }
}

export const SIG_MANIFEST_ACCEPT = `${OCI_MANIFEST}, ${DOCKER_MANIFEST}`;

/** The simple-signing layers of a `.sig` manifest, read one at a time. */
export async function readSigLayers(
  session: SignatureReadSession,
  found: FetchedManifest | undefined,
  artifact: string,
): Promise<SimpleSigningSignature[]> {
  if (!found) return [];
  const manifest = await session.parseManifest(found, artifact);
  if (!manifest) return [];
  const layers = manifest.layers.filter((l) => l.mediaType === SIMPLE_SIGNING && typeof l.annotations?.[SIGNATURE_ANNOTATION] === 'string');
  // Identical layers (same blob and signature) say nothing more: they count once.
  const considered = session.capped(layers, (l) => `${l.digest} ${l.annotations?.[SIGNATURE_ANNOTATION]}`, artifact);
  const out: SimpleSigningSignature[] = [];
  for (const layer of considered) {
    const payload = await session.blob(layer, `${artifact} layer ${layer.digest}`);
    if (!payload) continue;
    out.push({
      kind: 'simple-signing',
      manifestDigest: found.digest,
      layer,
      payload,
      signature: layer.annotations?.[SIGNATURE_ANNOTATION] ?? '',
      annotations: layer.annotations ?? {},
    });
  }
  return out;
}

/** The bundles among `subject`'s referrers, read one at a time. */
export async function readBundles(
  session: SignatureReadSession,
  subject: string,
  referrers: Referrers | undefined,
): Promise<BundleSignature[]> {
  if (!referrers) return [];
  if (referrers.truncated) {
    // Referrers past the page and entry limits were never listed: the excess is rejected, as layers past
    // maxLayers are, so a flood of referrers shows up instead of silently hiding what lies beyond it.
    const { pagesRead, entriesRead } = referrers.truncated;
    session.reject(
      'TOO_MANY_SIGNATURES',
      `referrers of ${subject}`,
      `more referrers than the ${entriesRead} listed in ${pagesRead} pages; the rest are not read`,
    );
  }
  const refs = session.capped(referrers.manifests, (m) => m.digest, `referrers of ${subject}`);
  const out: BundleSignature[] = [];
  for (const ref of refs) {
    const found = await readBundle(session, subject, ref);
    if (found) out.push(found);
  }
  return out;
}

async function readBundle(session: SignatureReadSession, subject: string, ref: Descriptor): Promise<BundleSignature | undefined> {
  const artifact = `referrer ${session.repo}@${ref.digest}`;
  if (!session.fits(ref.size, artifact)) return undefined;
  const found = await session.manifest(ref.digest, artifact);
  const manifest = found && (await session.parseManifest(found, artifact));
  if (!manifest) return undefined;
  // The fallback index is an ordinary tag anyone with push access can edit: trust only the manifest's own subject.
  if (manifest.subject?.digest !== subject) {
    session.reject('SUBJECT_MISMATCH', artifact, `its subject is ${manifest.subject?.digest ?? 'missing'}, not ${subject}`);
    return undefined;
  }
  const layers = manifest.layers.filter((l) => l.mediaType.startsWith('application/vnd.dev.sigstore.bundle'));
  if (layers.length !== 1 || !layers[0]) {
    session.reject('MALFORMED_BUNDLE', artifact, `${layers.length} bundle layers, expected one`);
    return undefined;
  }
  const bundle = await session.blob(layers[0], `${artifact} layer ${layers[0].digest}`);
  if (!bundle) return undefined;
  const envelope = parseBundleEnvelope(bundle);
  if (!envelope) {
    session.reject('MALFORMED_BUNDLE', artifact, 'the bundle holds no DSSE envelope');
    return undefined;
  }
  return { kind: 'bundle', manifestDigest: ref.digest, bundle, envelope };
}
