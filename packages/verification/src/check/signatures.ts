import { verifyDsseStatement, verifySignatureLayers, type PublicKeySet, type SignatureLayer } from '@signet/crypto';
import type { DsseEnvelope } from '@signet/oci';
import type { RejectedArtifact } from '@signet/signatures';
import { REVOKED_KEY_CODE, type SignatureFinding } from '../state/verdict';

export interface FoundSignatures {
  layers: SignatureLayer[];
  bundles: DsseEnvelope[];
  /** Signature artifacts that could not be read (over a limit, malformed, missing content): bad, not absent. */
  rejected?: RejectedArtifact[];
}

export interface ImageIdentity {
  /** Registry host as it appears in references, e.g. `registry.example.com:5000`. */
  host: string;
  repository: string;
  tag: string;
}

/**
 * Judges the signatures of `digest` for one tag. A `.sig` layer counts when it verifies with a trusted key,
 * claims exactly this digest, and names this image: `host/repo:tag` (the signer's tag identity) or
 * `host/repo` (repository identity). A Sigstore bundle (cosign v3) counts when its envelope verifies, its
 * statement is an image signature (not an attestation) and names this digest, under one of those names or
 * none (cosign writes none). A signature made for another tag, repository or digest does not count; nor
 * does an artifact that could not be read, which makes the finding `invalid` rather than `none`.
 *
 * With `revoked` keys (`verifier.revokedKeys`, already removed from `keys`), a digest without a counting
 * signature that one of them signed for this image is `invalid` with code `REVOKED_KEY`: the tag is one the
 * compromised key vouched for, reported as such rather than as a bad signature.
 */
export function judgeSignatures(
  found: FoundSignatures,
  keys: PublicKeySet,
  digest: string,
  image: ImageIdentity,
  revoked?: PublicKeySet,
): SignatureFinding {
  const finding = judgeWithKeys(found, keys, digest, image);
  if (finding.kind !== 'invalid' || !revoked || revoked.keys.length === 0) return finding;
  return judgeWithKeys(found, revoked, digest, image).kind === 'valid' ? { kind: 'invalid', code: REVOKED_KEY_CODE } : finding;
}

function judgeWithKeys(found: FoundSignatures, keys: PublicKeySet, digest: string, image: ImageIdentity): SignatureFinding {
  const { layers, bundles, rejected = [] } = found;
  if (layers.length === 0 && bundles.length === 0) return rejected[0] ? { kind: 'invalid', code: rejected[0].code } : { kind: 'none' };
  const repository = `${image.host}/${image.repository}`;
  const identities = [`${repository}:${image.tag}`, repository];
  const byBundle = bundles.map((b) => verifyDsseStatement(b, keys, digest, { identities }));
  if (byBundle.some((r) => r.ok)) return { kind: 'valid' };
  if (layers.length === 0) return { kind: 'invalid', code: mostInformative(byBundle.map((r) => (r.ok ? '' : r.code))) };
  const byTag = verifySignatureLayers(layers, { keys, expectedDigest: digest, identity: { type: 'exact', reference: identities[0]! } });
  if (byTag.ok) return { kind: 'valid' };
  const byRepository = verifySignatureLayers(layers, { keys, expectedDigest: digest, identity: { type: 'exact', reference: repository } });
  if (byRepository.ok) return { kind: 'valid' };
  return { kind: 'invalid', code: byTag.code };
}

/** A trusted key's statement about something else says more than a signature by an unknown key. */
function mostInformative(codes: string[]): string {
  const priority = ['IDENTITY_MISMATCH', 'DIGEST_MISMATCH', 'NOT_A_SIGNATURE', 'MALFORMED_PAYLOAD'];
  return priority.find((c) => codes.includes(c)) ?? 'SIGNATURE_MISMATCH';
}
