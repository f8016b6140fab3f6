import type { KeyObject } from 'node:crypto';
import { buildPayload, verifyBase64Signature, type SigningKey } from '@signet/crypto';
import type { RegistryClient } from './client';
import { parseImageIndex } from './manifests';
import { isIndexMediaType } from './media-types';
import { repositoryName, type ImageReference } from './reference';
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
}

/**
 * Signs one digest and appends the signature to its `.sig` tag, unless a signature over the same payload
 * (same digest, identity and annotations) by the key, or by one of `alsoAccept`, is already there —
 * cosign's duplicate rule, so retries and redeliveries never add a layer. `status` tells which happened.
 */
export async function signDigest(store: SignatureStore, key: SigningKey, input: SignDigestInput, opts: SignDigestOptions = {}): Promise<AppendResult> {
  const payload = buildPayload({
    dockerReference: input.dockerReference,
    manifestDigest: input.digest,
    ...(input.annotations && Object.keys(input.annotations).length ? { annotations: input.annotations } : {}),
  });
  const signature = await key.sign(payload);
  const accepted = [key.publicKey, ...(opts.alsoAccept ?? [])];
  return store.append(input.repository, input.digest, { payload, signature }, {
    isDuplicate: (existing) => accepted.some((k) => verifyBase64Signature(k, existing.payload, existing.signature)),
  });
}
