import { verifyDsseStatement, verifySignatureLayer, type PublicKeySet, type SigningKey } from '@signet/crypto';
import { OCI_INDEX, referrersTag, SIGNATURE_ANNOTATION, signatureTag } from '@signet/oci';
import type { DigestLock } from '@signet/queue';
import { isMissing, isRegistryError, parseImageIndex, parseImageManifest, type RegistryClient } from '@signet/registry';
import { signatureImage, signDigest, type SignatureStore, type StoredSignature } from '@signet/signatures';
import type { SigningRecord } from '@signet/verification';

/**
 * What `signet resign` did with one digest:
 * - `resigned` / `would-resign` (dry run): recorded as a trusted push, signed by OLD, now also by NEW;
 * - `already-new`: NEW had signed it already (a re-run after an interruption lands here);
 * - `left-for-human`: OLD signed it but no record says Signet saw it pushed by a trusted pusher: whoever
 *   holds the stolen key may have signed it, so nothing vouches for it;
 * - `not-old`: OLD never signed it (nothing to do).
 */
export type DigestOutcome = 'resigned' | 'would-resign' | 'already-new' | 'left-for-human' | 'not-old';

export interface DigestResult {
  outcome: DigestOutcome;
  /** OLD's `.sig` layers and bundles removed (`--remove-old`), or that would be in a dry run. */
  removedOld: number;
  /** OLD's bundles still reachable: the registry lists referrers itself and refuses deletes. */
  keptOldBundles: number;
}

export interface ResignDeps {
  registry: string;
  client: RegistryClient;
  store: SignatureStore;
  /** The digest lock the signer holds around its check and append, so neither overwrites the other's write. */
  lock: DigestLock;
  oldKeys: PublicKeySet;
  newKey: SigningKey;
  newKeys: PublicKeySet;
  annotations: Readonly<Record<string, string>>;
  dryRun: boolean;
  removeOld: boolean;
}

/** The signatures among `found` that verify with `keys` and name `digest`. */
export function signedBy(found: readonly StoredSignature[], keys: PublicKeySet, digest: string): StoredSignature[] {
  return found.filter((s) =>
    s.kind === 'simple-signing'
      ? verifySignatureLayer({ payload: s.payload, signature: s.signature, mediaType: s.layer.mediaType }, { keys, expectedDigest: digest })
          .ok
      : verifyDsseStatement(s.envelope, keys, digest).ok,
  );
}

/** What one look at a digest's signatures says to do. */
interface Assessment {
  outcome: DigestOutcome;
  /** OLD's signatures on the digest. */
  byOld: StoredSignature[];
  /** Recorded, signed by OLD, not yet by NEW. */
  needsNew: boolean;
}

function assess(deps: ResignDeps, found: readonly StoredSignature[], digest: string, record: SigningRecord | undefined): Assessment {
  const byOld = signedBy(found, deps.oldKeys, digest);
  if (byOld.length === 0) return { outcome: 'not-old', byOld, needsNew: false };
  if (!record) return { outcome: 'left-for-human', byOld, needsNew: false };
  const needsNew = signedBy(found, deps.newKeys, digest).length === 0;
  return { outcome: needsNew ? (deps.dryRun ? 'would-resign' : 'resigned') : 'already-new', byOld, needsNew };
}

/** Whether acting on an assessment writes to the registry: a new signature, or OLD's removed from a trusted digest. */
function writes(deps: ResignDeps, a: Assessment): boolean {
  return !deps.dryRun && (a.needsNew || (a.outcome === 'already-new' && deps.removeOld));
}

/**
 * Re-signs one digest with NEW when a record vouches for it and OLD signed it, in the layout OLD's signature
 * used, under the identity the signer recorded. Idempotent by construction: a digest NEW already signed is
 * left as it is, so an interrupted run is resumed by running it again.
 *
 * The first look takes no lock: most digests need no write (not OLD's, left for a human, a dry run), and a lock
 * held only around writes keeps the signer waiting least, and leaves no lock behind when a run is killed while
 * it looks. A write looks again under the lock, as the signer may have written since.
 */
export async function resignDigest(
  deps: ResignDeps,
  repository: string,
  digest: string,
  record: SigningRecord | undefined,
): Promise<DigestResult> {
  const none = { removedOld: 0, keptOldBundles: 0 };
  const first = assess(deps, (await deps.store.read(repository, digest)).signatures, digest, record);
  if (!writes(deps, first)) {
    const wouldRemove = deps.dryRun && deps.removeOld && (first.outcome === 'would-resign' || first.outcome === 'already-new');
    return { outcome: first.outcome, removedOld: wouldRemove ? first.byOld.length : 0, keptOldBundles: 0 };
  }
  return deps.lock.withLock(deps.registry, repository, digest, async () => {
    const a = assess(deps, (await deps.store.read(repository, digest)).signatures, digest, record);
    if (!writes(deps, a)) return { outcome: a.outcome, ...none };
    if (a.needsNew && record) {
      const layout = a.byOld.some((s) => s.kind === 'simple-signing') ? 'sig' : 'bundle';
      await signDigest(
        deps.store,
        deps.newKey,
        { repository, digest, dockerReference: record.identity, annotations: deps.annotations },
        { layout },
      );
    }
    if (!deps.removeOld) return { outcome: a.outcome, ...none };
    const oldLayers = a.byOld.flatMap((s) => (s.kind === 'simple-signing' ? [s.layer.annotations?.[SIGNATURE_ANNOTATION] ?? ''] : []));
    let removedOld = oldLayers.length > 0 ? await dropLayers(deps.client, repository, digest, oldLayers) : 0;
    let keptOldBundles = 0;
    for (const bundle of a.byOld.flatMap((s) => (s.kind === 'bundle' ? [s.manifestDigest] : []))) {
      if (await dropBundle(deps.client, repository, digest, bundle)) removedOld++;
      else keptOldBundles++;
    }
    return { outcome: a.outcome, removedOld, keptOldBundles };
  });
}

/**
 * Rewrites the `.sig` tag without the layers carrying these signatures (the blobs stay: another layer may name
 * the same payload). Called only once NEW's signature is in place, under the digest lock.
 */
async function dropLayers(client: RegistryClient, repository: string, digest: string, signatures: string[]): Promise<number> {
  const tag = signatureTag(digest);
  const current = await client.getManifest(repository, tag);
  const manifest = parseImageManifest(current.bytes, `${repository}:${tag}`);
  const kept = manifest.layers.filter((l) => !signatures.includes(l.annotations?.[SIGNATURE_ANNOTATION] ?? '\u0000'));
  if (kept.length === manifest.layers.length) return 0;
  const image = signatureImage(kept, current.mediaType);
  await client.uploadBlob(repository, image.config);
  await client.putManifest(repository, tag, image.manifest, image.mediaType);
  return manifest.layers.length - kept.length;
}

/**
 * Unlinks a bundle referrer: out of the `sha256-<hex>` fallback index (what registries without the referrers API
 * serve), then its manifest deleted (what takes it out of the referrers API). False when it is still reachable:
 * the registry refuses deletes and lists referrers itself.
 */
async function dropBundle(client: RegistryClient, repository: string, subject: string, manifestDigest: string): Promise<boolean> {
  const tag = referrersTag(subject);
  const found = await client.findManifest(repository, tag, OCI_INDEX);
  const listed = found ? parseImageIndex(found.bytes, `${repository}:${tag}`).manifests : [];
  const manifests = listed.filter((m) => m.digest !== manifestDigest);
  if (manifests.length < listed.length)
    await client.putManifest(
      repository,
      tag,
      Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests })),
      OCI_INDEX,
    );
  try {
    await client.deleteManifest(repository, manifestDigest);
  } catch (err) {
    if (isMissing(err)) return true;
    if (isRegistryError(err) && (err.code === 'UNSUPPORTED' || err.status === 405)) return manifests.length < listed.length;
    throw err;
  }
  return true;
}
