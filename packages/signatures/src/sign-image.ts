import type { KeyObject } from 'node:crypto';
import {
  buildPayload,
  dssePae,
  PublicKeySet,
  publicKeyToPem,
  spkiDer,
  verifyBase64Signature,
  verifyDsseStatement,
  type SigningKey,
} from '@signet/crypto';
import { createHash } from 'node:crypto';
import {
  COSIGN_SIGN_PREDICATE_TYPE,
  IN_TOTO_PAYLOAD_TYPE,
  isIndexMediaType,
  repositoryName,
  SIGSTORE_BUNDLE,
  type ImageReference,
} from '@signet/oci';
import { parseImageIndex, type RegistryClient } from '@signet/registry';
import type { AppendResult, SignatureStore } from './signature-store';

/** Which docker-reference a signature claims: `tag` → `host/repo:tag` (when there is a tag), `repository` → `host/repo`. */
export type IdentityMode = 'tag' | 'repository';

/**
 * The identity claimed in the payload. By tag: `host/repo:tag`, which containers/image's default policy
 * accepts for that tag; `repository` (or a reference without a tag): cosign's tagless `host/repo`.
 */
export function signedIdentity(ref: ImageReference, mode: IdentityMode): string {
  return mode === 'tag' && ref.tag ? `${repositoryName(ref)}:${ref.tag}` : repositoryName(ref);
}

/** The digests an index's children are signed under (`--recursive`); empty for a single-platform manifest. */
export async function indexChildren(client: RegistryClient, repo: string, digest: string): Promise<string[]> {
  const manifest = await client.getManifest(repo, digest);
  if (!isIndexMediaType(manifest.mediaType)) return [];
  return parseImageIndex(manifest.bytes, `${repo}@${digest}`).manifests.map((m) => m.digest);
}

export interface SignDigestInput {
  repository: string;
  digest: string;
  dockerReference: string;
  annotations?: Readonly<Record<string, string>>;
}

export interface SignDigestOptions {
  /**
   * Other public keys whose signatures count as "already signed" (earlier keys after a rotation). The
   * signing key itself always counts.
   */
  alsoAccept?: readonly KeyObject[];
  /** `sig` (default): a layer on the `sha256-<hex>.sig` tag; `bundle`: a Sigstore bundle attached as a referrer (cosign v3). */
  layout?: 'sig' | 'bundle';
}

/**
 * Signs one digest and appends the signature to its `.sig` tag, unless a signature over the same payload
 * (same digest, identity and annotations) by the key, or by one of `alsoAccept`, is already there —
 * cosign's duplicate rule, so retries and redeliveries never add a layer. `status` tells which happened.
 */
export async function signDigest(
  store: SignatureStore,
  key: SigningKey,
  input: SignDigestInput,
  opts: SignDigestOptions = {},
): Promise<AppendResult> {
  if (opts.layout === 'bundle') return signAsBundle(store, key, input, opts);
  const payload = buildPayload({
    dockerReference: input.dockerReference,
    manifestDigest: input.digest,
    ...(input.annotations && Object.keys(input.annotations).length ? { annotations: input.annotations } : {}),
  });
  const signature = await key.sign(payload);
  const accepted = [key.publicKey, ...(opts.alsoAccept ?? [])];
  return store.append(
    input.repository,
    input.digest,
    { payload, signature },
    {
      isDuplicate: (existing) => accepted.some((k) => verifyBase64Signature(k, existing.payload, existing.signature)),
    },
  );
}

/**
 * cosign v3's layout: an in-toto statement naming the digest, in a DSSE envelope signed by the key, in a
 * Sigstore bundle attached as an OCI 1.1 referrer. Skipped when a bundle by the key (or `alsoAccept`) for the
 * digest is already there. containers/image cannot read this layout; `sig` is the default for that reason.
 */
async function signAsBundle(
  store: SignatureStore,
  key: SigningKey,
  input: SignDigestInput,
  opts: SignDigestOptions,
): Promise<AppendResult> {
  const accepted = PublicKeySet.fromPems(
    [key.publicKey, ...(opts.alsoAccept ?? [])].map((k, i) => ({ pem: publicKeyToPem(k), source: `key-${i}` })),
  );
  const bundles = (await store.list(input.repository, input.digest)).filter((s) => s.kind === 'bundle');
  // Judged as the verifier judges a bundle: an attestation, or a statement naming another image, is not one.
  const existing = bundles.find((b) => verifyDsseStatement(b.envelope, accepted, input.digest, { identities: [input.dockerReference] }).ok);
  if (existing) return { status: 'duplicate', manifestDigest: existing.manifestDigest, layers: bundles.length };
  const subject = {
    name: input.dockerReference,
    digest: { [input.digest.split(':')[0]!]: input.digest.split(':')[1]! },
    ...(input.annotations && Object.keys(input.annotations).length ? { annotations: input.annotations } : {}),
  };
  const statement = Buffer.from(
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [subject],
      predicateType: COSIGN_SIGN_PREDICATE_TYPE,
      predicate: {},
    }),
  );
  const sig = await key.sign(dssePae(IN_TOTO_PAYLOAD_TYPE, statement));
  const bundle = Buffer.from(
    JSON.stringify({
      mediaType: SIGSTORE_BUNDLE,
      verificationMaterial: { publicKey: { hint: createHash('sha256').update(spkiDer(key.publicKey)).digest('base64') } },
      dsseEnvelope: { payload: statement.toString('base64'), payloadType: IN_TOTO_PAYLOAD_TYPE, signatures: [{ sig }] },
    }),
  );
  const manifestDigest = await store.attachBundle(input.repository, input.digest, bundle);
  return { status: 'appended', manifestDigest, layers: bundles.length + 1 };
}
