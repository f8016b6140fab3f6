import { ConcurrentUpdateError } from '@signet/errors';
import { attachBundle } from './bundle-layout';
import { DOCKER_MANIFEST, OCI_MANIFEST, SIGNATURE_ANNOTATION, signatureTag, SIGSTORE_BUNDLE, SIMPLE_SIGNING } from '@signet/oci';
import { type Descriptor, type RegistryClient } from '@signet/registry';
import { signatureImage, signatureLayer } from './sig-layout';
import {
  DEFAULT_SIGNATURE_LIMITS,
  readBundles,
  readSigLayers,
  SIG_MANIFEST_ACCEPT,
  SignatureReadSession,
  type RejectedArtifact,
  type SignatureLimits,
  type SignatureReading,
  type StoredSignature,
} from './signature-reader';

export type {
  BundleSignature,
  RejectedArtifact,
  RejectionCode,
  SignatureLimits,
  SignatureReading,
  SimpleSigningSignature,
  StoredSignature,
} from './signature-reader';

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
  /**
   * What the `.sig` tag held that was not kept (unreadable, over a limit, beyond the newest layers kept), with
   * the reader's codes. Anyone who can push can write that tag, so none of it may stop or skip a signature.
   */
  dropped?: RejectedArtifact[];
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

/**
 * Largest layer descriptor kept: a real one is ~400 bytes. Bounds the manifest we write, which every reader
 * counts against its byte budget before it reaches our layer.
 */
const MAX_KEPT_DESCRIPTOR_BYTES = 4096;

/** The `.sig` tag as an append found it: the layers it keeps, and what it dropped. */
interface AppendBase {
  layers: Descriptor[];
  mediaType: string;
  digest?: string;
  dropped: RejectedArtifact[];
}

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
      this.opts.bundles === false
        ? undefined
        : session.attempt(`referrers of ${repo}@${digest}`, () => this.client.referrers(repo, digest, { artifactType: SIGSTORE_BUNDLE })),
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
      const current = await this.readForAppend(repo, tag, input.payload.length);
      const clean = current.dropped.length === 0;
      // Only layers whose content was read count: an unreadable one is never "already signed".
      let status: AppendResult['status'] = 'appended';
      let mark = ours;
      const same = current.layers.find((l) => sameSignature(l, ours));
      if (same) status = 'exists';
      else if (opts.isDuplicate) {
        const dup = await this.findDuplicate(current.layers, ours, input.payload, opts.isDuplicate);
        if (dup) [status, mark] = ['duplicate', dup];
      }
      if (status !== 'appended' && clean)
        return { status, manifestDigest: current.digest ?? '', layers: current.layers.length, dropped: [] };
      // Something was dropped: the tag is rewritten with what was kept (and ours), so every reader finds the
      // valid signatures within its limits, even when an equivalent signature was already among them.
      const layers = status === 'appended' ? [...current.layers, ours] : current.layers;
      const image = signatureImage(layers, current.mediaType);
      // Uploaded only once a write is certain: a redelivered, already-signed digest costs no blob request.
      if (status === 'appended' && !payloadUploaded) {
        await this.client.uploadBlob(repo, input.payload);
        payloadUploaded = true;
      }
      await this.client.uploadBlob(repo, image.config);
      const put = await this.client.putManifest(repo, tag, image.manifest, image.mediaType);
      if (await this.survived(repo, tag, mark))
        return { status, manifestDigest: put.digest, layers: layers.length, dropped: current.dropped };
      await sleep(Math.random() * (this.opts.settleMs ?? 60));
    }
    throw new ConcurrentUpdateError(`${repo}:${tag}`, maxAttempts);
  }

  /**
   * The `.sig` tag read as the base of an append, with the reader's bounds and rejection codes. Kept: the
   * newest `maxLayers - 1` distinct layers with descriptors of a sane size, signature layers only if their
   * blobs could be read within the byte budget less what our write adds, so the written tag (kept layers in
   * their order, then ours last) is read whole by any reader with the same limits. A malformed or oversized
   * manifest keeps nothing. Failed requests still throw.
   */
  private async readForAppend(repo: string, tag: string, payloadBytes: number): Promise<AppendBase> {
    const limits = { ...DEFAULT_SIGNATURE_LIMITS, ...this.opts.limits };
    const keep = Math.max(0, limits.maxLayers - 1);
    const reserve = limits.maxLayers * MAX_KEPT_DESCRIPTOR_BYTES + 1024 + payloadBytes;
    const session = new SignatureReadSession(this.client, repo, { ...limits, maxBytes: Math.max(0, limits.maxBytes - reserve) });
    const artifact = `${repo}:${tag}`;
    const found = await session.manifest(tag, artifact, SIG_MANIFEST_ACCEPT);
    if (!found) return { layers: [], mediaType: OCI_MANIFEST, dropped: session.rejected };
    // The old manifest is not rewritten: only what we write is counted against a reader's budget.
    session.bytesRead = 0;
    const mediaType = found.mediaType === DOCKER_MANIFEST ? DOCKER_MANIFEST : OCI_MANIFEST;
    const base = { mediaType, digest: found.digest, dropped: session.rejected };
    const manifest = await session.parseManifest(found, artifact);
    if (!manifest) return { ...base, layers: [] };
    const seen = new Set<string>();
    const candidates: Descriptor[] = [];
    for (const layer of manifest.layers) {
      if (Buffer.byteLength(JSON.stringify(layer)) > MAX_KEPT_DESCRIPTOR_BYTES) {
        session.reject(
          'ARTIFACT_TOO_LARGE',
          `${artifact} layer ${layer.digest}`,
          `its descriptor is over ${MAX_KEPT_DESCRIPTOR_BYTES} bytes`,
        );
        continue;
      }
      const key = `${layer.mediaType} ${layer.digest} ${layer.annotations?.[SIGNATURE_ANNOTATION]}`;
      if (!seen.has(key)) candidates.push(layer);
      seen.add(key);
    }
    if (candidates.length > keep) {
      session.reject('TOO_MANY_SIGNATURES', artifact, `${candidates.length} signatures; only the newest ${keep} are kept beside a new one`);
    }
    // Newest first, so the budget goes to the layers most recently written.
    const kept: Descriptor[] = [];
    for (const layer of candidates.slice(candidates.length - Math.min(keep, candidates.length)).reverse()) {
      // Other layers are kept as they are: readers skip them unread, so they cost no reader's byte budget.
      if (!isSignatureLayer(layer) || (await session.blob(layer, `${artifact} layer ${layer.digest}`))) kept.unshift(layer);
    }
    return { ...base, layers: kept };
  }

  private async findDuplicate(
    layers: Descriptor[],
    ours: Descriptor,
    payload: Buffer,
    isDuplicate: NonNullable<AppendOptions['isDuplicate']>,
  ): Promise<Descriptor | undefined> {
    for (const layer of layers) {
      if (layer.digest !== ours.digest || layer.mediaType !== ours.mediaType) continue;
      const signature = layer.annotations?.[SIGNATURE_ANNOTATION];
      if (signature === undefined) continue;
      const others = Object.entries(ours.annotations ?? {}).filter(([k]) => k !== SIGNATURE_ANNOTATION);
      if (!others.every(([k, v]) => layer.annotations?.[k] === v)) continue;
      // Same digest, so the stored payload is exactly ours: no need to download it.
      if (await isDuplicate({ payload, signature, annotations: layer.annotations ?? {}, mediaType: layer.mediaType })) return layer;
    }
    return undefined;
  }

  private async survived(repo: string, tag: string, ours: Descriptor): Promise<boolean> {
    for (const delay of [0, this.opts.settleMs ?? 60]) {
      if (delay > 0) await sleep(delay);
      // What a writer of that tag replaced ours with may be anything: unreadable is "not there".
      const session = new SignatureReadSession(this.client, repo, { ...DEFAULT_SIGNATURE_LIMITS, ...this.opts.limits });
      const found = await session.manifest(tag, `${repo}:${tag}`, SIG_MANIFEST_ACCEPT);
      const now = found && (await session.parseManifest(found, `${repo}:${tag}`));
      if (!now?.layers.some((l) => sameSignature(l, ours))) return false;
    }
    return true;
  }
}

/** What a reader takes for a signature: the layers whose blobs it reads. */
function isSignatureLayer(layer: Descriptor): boolean {
  return layer.mediaType === SIMPLE_SIGNING && typeof layer.annotations?.[SIGNATURE_ANNOTATION] === 'string';
}

function sameSignature(a: Descriptor, b: Descriptor): boolean {
  return (
    a.digest === b.digest && a.mediaType === b.mediaType && a.annotations?.[SIGNATURE_ANNOTATION] === b.annotations?.[SIGNATURE_ANNOTATION]
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
