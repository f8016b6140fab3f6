import { verifyDsseStatement, verifySignatureLayers, type DsseEnvelope, type PublicKeySet, type SignatureLayer } from '@signet/crypto';
import type { SignatureFinding } from '../state/verdict';

export interface FoundSignatures {
  layers: SignatureLayer[];
  bundles: DsseEnvelope[];
}

export interface ImageIdentity {
  /** Registry host as it appears in references, e.g. `registry.example.com:5000`. */
  host: string;
  repository: string;
  tag: string;
}

/**
 * Judges the signature layers of `digest` for one tag. A layer counts when it verifies with a trusted key,
 * claims exactly this digest, and names this image: `host/repo:tag` (the signer's tag identity) or
 * `host/repo` (repository identity). A signature made for another tag or digest does not count. A Sigstore
 * bundle (cosign v3) counts when its envelope verifies and its statement names the digest; bundles carry no
 * docker-reference to check.
 */
export function judgeSignatures(found: FoundSignatures, keys: PublicKeySet, digest: string, image: ImageIdentity): SignatureFinding {
  const { layers, bundles } = found;
  if (layers.length === 0 && bundles.length === 0) return { kind: 'none' };
  if (bundles.some((b) => verifyDsseStatement(b, keys, digest).ok)) return { kind: 'valid' };
  if (layers.length === 0) return { kind: 'invalid', code: 'SIGNATURE_MISMATCH' };
  const repository = `${image.host}/${image.repository}`;
  const byTag = verifySignatureLayers(layers, { keys, expectedDigest: digest, identity: { type: 'exact', reference: `${repository}:${image.tag}` } });
  if (byTag.ok) return { kind: 'valid' };
  const byRepository = verifySignatureLayers(layers, { keys, expectedDigest: digest, identity: { type: 'exact', reference: repository } });
  if (byRepository.ok) return { kind: 'valid' };
  return { kind: 'invalid', code: byTag.code };
}
