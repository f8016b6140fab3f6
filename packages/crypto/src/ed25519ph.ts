import { ed25519ph } from '@noble/curves/ed25519';

/*
 * Ed25519ph (RFC 8032 §5.1, prehashed variant with an empty context), which cosign uses when given an
 * Ed25519 key. node:crypto offers only pure Ed25519: on Node 20 a `context` option is silently ignored and
 * there is no prehash flag, so the curve arithmetic comes from @noble/curves (audited, constant-time
 * scalar multiplication for secret scalars) rather than hand-written BigInt code. Pinned to 1.9.x, the last
 * line that ships CommonJS beside ESM: jest (swc to CommonJS) and the esbuild bundles `require` it.
 */

/** Signs `message` with Ed25519ph; `seed` is the 32-byte RFC 8032 private key. */
export function signEd25519ph(seed: Uint8Array, message: Uint8Array): Buffer {
  return Buffer.from(ed25519ph.sign(message, seed));
}

/**
 * RFC 8032 strict verification (`zip215: false`): canonical S below L and canonical point encodings, as Go's
 * crypto/ed25519 (cosign, sigstore-go) requires; ZIP-215's laxer rules would accept encodings Go rejects.
 */
export function verifyEd25519ph(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== 64 || publicKey.length !== 32) return false;
  try {
    return ed25519ph.verify(signature, message, publicKey, { zip215: false });
  } catch {
    // A public key that is not a curve point: a failed verification, not an error for the caller.
    return false;
  }
}
