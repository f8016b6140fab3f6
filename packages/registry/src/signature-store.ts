import { attachBundle } from './bundle-layout';
import type { RegistryClient } from './client';
import { RegistryError } from './errors';
import { parseImageManifest } from './manifests';
import { DOCKER_MANIFEST, OCI_MANIFEST, SIGNATURE_ANNOTATION, SIGSTORE_BUNDLE } from './media-types';
import { listReferrers } from './referrers';
import { signatureTag } from './reference';
import { signatureImage, signatureLayer } from './sig-layout';
import {
  DEFAULT_SIGNATURE_LIMITS, readBundles, readSigLayers, SIG_MANIFEST_ACCEPT, SignatureReadSession,
  type SignatureLimits, type SignatureReading, type StoredSignature,
} from './signature-reader';
import type { Descriptor } from './types';

export type { BundleSignature, RejectedArtifact, RejectionCode, SignatureLimits, SignatureReading, SimpleSigningSignature, StoredSignature } from './signature-reader';

export interface SignatureInput {
  payload: Buffer;
  signature: string;
  annotations?: Record<string, string>;
}

/** An existing layer that could make a new signature redundant (same payload, media type and other annotations). */
export interface ExistingSignature {
  payload: Buffer;
  signature: string;
  annotations: Record<string, string>;
  mediaType: string;
}

export interface AppendOptions {
  /** cosign's DupeDetector rule: true when `existing` verifies with the signer's key. */
  isDuplicate?: (existing: ExistingSignature) => boolean | Promise<boolean>;
}

export interface AppendResult {
  /** `appended`: a layer was added; `exists`: this exact signature is there; `duplicate`: an equivalent one is. */
  status: 'appended' | 'exists' | 'duplicate';
  /** Digest of the `.sig` manifest now at the tag (after our write, or as found). */
  manifestDigest: string;
  layers: number;
}

export interface SignatureStoreOptions {
  /** Read-modify-write attempts before giving up on a contended tag. Default 6. */
  maxAttempts?: number;
  /** Delay before the second read-back that catches a writer overwriting us after our first check. Default 60 ms. */
  settleMs?: number;
  /** Bounds on reading one digest's signatures (`DEFAULT_SIGNATURE_LIMITS` where unset). */
  limits?: Partial<SignatureLimits>;
  /** Also read sigstore bundles attached as referrers. Default true. */
  bundles?: boolean;
}

const MAX_LAYERS = 1000;

/** Reads and writes cosign signatures of image digests in one registry. */
export class SignatureStore {
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(
    private readonly client: RegistryClient,
    private readonly opts: SignatureStoreOptions = {},
  ) {}

  /**
   * Every readable signature of `digest`: layers of the `sha256-<hex>.sig` tag and sigstore bundles among its
   * referrers, and the artifacts that could not be read (over a limit, malformed, missing content), each
   * skipped while the rest are read. No tag means no signatures. Only a failed request throws (a failure
   * is never "unsigned"); what a pusher wrote never does.
   */
  async read(repo: string, digest: string): Promise<SignatureReading> {
    const session = new SignatureReadSession(this.client, repo, { ...DEFAULT_SIGNATURE_LIMITS, ...this.opts.limits });
    const tag = signatureTag(digest);
    // The two lookups go together; the blobs they name are then read one at a time within the budget.
    const [sig, referrers] = await Promise.all([
      session.manifest(tag, `${repo}:${tag}`, SIG_MANIFEST_ACCEPT),
      this.opts.bundles === false ? undefined : session.attempt(`referrers of ${repo}@${digest}`, () => listReferrers(this.client, repo, digest, { artifactType: SIGSTORE_BUNDLE })),
    ]);
    session.bytesRead += referrers?.bytes ?? 0;
    const layers = await readSigLayers(session, sig, `${repo}:${tag}`);
    const bundles = await readBundles(session, digest, referrers);
    return { signatures: [...layers, ...bundles], rejected: session.rejected, bytesRead: session.bytesRead };
  }

  /** The readable signatures of `digest` (see `read`). */
  async list(repo: string, digest: string): Promise<StoredSignature[]> {
    return (await this.read(repo, digest)).signatures;
  }

  /**
   * Appends a signature to the `.sig` tag of `digest` exactly as cosign does, unless the same signature or
   * (per `isDuplicate`) an equivalent one is there. Writers in this process are serialised per digest. Writers
   * elsewhere: after each PUT the tag is read back (twice, `settleMs` apart) and a layer lost to another writer's
   * PUT is merged and written again; registries have no conditional PUT, so only a lock every writer shares
   * (`DigestLock`, as the signer holds) closes the race completely.
   */
  append(repo: string, digest: string, input: SignatureInput, opts: AppendOptions = {}): Promise<AppendResult> {
    const key = `${repo}@${digest}`;
    const prev = this.locks.get(key) ?? Promise.resolve();
    const run = prev.catch(() => undefined).then(() => this.appendUnlocked(repo, digest, input, opts));
    const tail = run.catch(() => undefined);
    this.locks.set(key, tail);
    void tail.then(() => {
      if (this.locks.get(key) === tail) this.locks.delete(key);
    });
    return run;
  }

  /** Attaches a Sigstore bundle to `digest` as an OCI 1.1 referrer (with the tag-schema fallback index). */
  async attachBundle(repo: string, digest: string, bundle: Buffer): Promise<string> {
    const subject = await this.client.headManifest(repo, digest);
    return attachBundle(this.client, repo, { mediaType: subject.mediaType, size: subject.size, digest }, bundle);
  }

  private async appendUnlocked(repo: string, digest: string, input: SignatureInput, opts: AppendOptions): Promise<AppendResult> {
    const tag = signatureTag(digest);
    const ours = signatureLayer(input.payload, input.signature, input.annotations);
    let payloadUploaded = false;
    const maxAttempts = this.opts.maxAttempts ?? 6;
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const current = await this.readLayers(repo, tag);
      if (current.layers.some((l) => sameSignature(l, ours))) {
        return { status: 'exists', manifestDigest: current.digest ?? '', layers: current.layers.length };
      }
      if (opts.isDuplicate && (await this.hasDuplicate(current.layers, ours, input.payload, opts.isDuplicate))) {
        return { status: 'duplicate', manifestDigest: current.digest ?? '', layers: current.layers.length };
      }
      const layers = [...current.layers, ours];
      if (layers.length > MAX_LAYERS) throw new RegistryError('TOO_LARGE', `${repo}:${tag} already holds ${MAX_LAYERS} signatures`);
      const image = signatureImage(layers, current.mediaType);
      // Uploaded only once a write is certain: a redelivered, already-signed digest costs no blob request.
      if (!payloadUploaded) {
        await this.client.uploadBlob(repo, input.payload);
        payloadUploaded = true;
      }
      await this.client.uploadBlob(repo, image.config);
      const put = await this.client.putManifest(repo, tag, image.manifest, image.mediaType);
      if (await this.survived(repo, tag, ours)) return { status: 'appended', manifestDigest: put.digest, layers: layers.length };
      await sleep(Math.random() * (this.opts.settleMs ?? 60));
    }
    throw new RegistryError('CONCURRENT_UPDATE', `${repo}:${tag} kept changing under concurrent writers; gave up after ${maxAttempts} attempts`, { retryable: true });
  }

  private async readLayers(repo: string, tag: string): Promise<{ layers: Descriptor[]; mediaType: string; digest?: string }> {
    const found = await this.client.findManifest(repo, tag, SIG_MANIFEST_ACCEPT);
    if (!found) return { layers: [], mediaType: OCI_MANIFEST };
    const manifest = parseImageManifest(found.bytes, `${repo}:${tag}`);
    const mediaType = found.mediaType === DOCKER_MANIFEST ? DOCKER_MANIFEST : OCI_MANIFEST;
    return { layers: manifest.layers, mediaType, digest: found.digest };
  }

  private async hasDuplicate(layers: Descriptor[], ours: Descriptor, payload: Buffer, isDuplicate: NonNullable<AppendOptions['isDuplicate']>): Promise<boolean> {
    for (const layer of layers) {
      if (layer.digest !== ours.digest || layer.mediaType !== ours.mediaType) continue;
      const signature = layer.annotations?.[SIGNATURE_ANNOTATION];
      if (signature === undefined) continue;
      const others = Object.entries(ours.annotations ?? {}).filter(([k]) => k !== SIGNATURE_ANNOTATION);
      if (!others.every(([k, v]) => layer.annotations?.[k] === v)) continue;
      // Same digest, so the stored payload is exactly ours: no need to download it.
      if (await isDuplicate({ payload, signature, annotations: layer.annotations ?? {}, mediaType: layer.mediaType })) return true;
    }
    return false;
  }

  private async survived(repo: string, tag: string, ours: Descriptor): Promise<boolean> {
    for (const delay of [0, this.opts.settleMs ?? 60]) {
      if (delay > 0) await sleep(delay);
      const now = await this.readLayers(repo, tag);
      if (!now.layers.some((l) => sameSignature(l, ours))) return false;
    }
    return true;
  }
}

function sameSignature(a: Descriptor, b: Descriptor): boolean {
  return a.digest === b.digest && a.mediaType === b.mediaType && a.annotations?.[SIGNATURE_ANNOTATION] === b.annotations?.[SIGNATURE_ANNOTATION];
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
