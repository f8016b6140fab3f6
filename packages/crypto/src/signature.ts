import { constants, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { signEd25519ph, verifyEd25519ph } from './ed25519ph';
import { UnsupportedKeyTypeError } from './errors';
import { keyAlgorithm, type KeyAlgorithm } from './keys';
import { decodeBase64Strict } from './pem';

const EC_HASH: Partial<Record<KeyAlgorithm, string>> = {
  'ecdsa-p256': 'sha256',
  'ecdsa-p384': 'sha384',
  'ecdsa-p521': 'sha512',
};
const EC_COORDINATE_BYTES: Partial<Record<KeyAlgorithm, number>> = {
  'ecdsa-p256': 32,
  'ecdsa-p384': 48,
  'ecdsa-p521': 66,
};

function ed25519Seed(privateKey: KeyObject): Buffer {
  const jwk = privateKey.export({ format: 'jwk' });
  if (!jwk.d) throw new UnsupportedKeyTypeError('Ed25519 private key has no seed');
  return Buffer.from(jwk.d, 'base64url');
}

function ed25519RawPublic(publicKey: KeyObject): Buffer {
  const jwk = publicKey.export({ format: 'jwk' });
  return Buffer.from(jwk.x ?? '', 'base64url');
}

/**
 * Signs like cosign for the key's type: ECDSA with the curve's hash in ASN.1 DER, RSA PKCS#1 v1.5 with
 * SHA-256, Ed25519 as Ed25519ph. Returns the raw signature bytes.
 */
export function signBytes(privateKey: KeyObject, data: Uint8Array): Buffer {
  const alg = keyAlgorithm(privateKey);
  if (alg === 'ed25519') return signEd25519ph(ed25519Seed(privateKey), data);
  if (alg === 'rsa') return nodeSign('sha256', data, { key: privateKey, padding: constants.RSA_PKCS1_PADDING });
  return nodeSign(EC_HASH[alg] ?? 'sha256', data, { key: privateKey, dsaEncoding: 'der' });
}

function safeVerify(fn: () => boolean): boolean {
  try {
    return fn();
  } catch {
    // OpenSSL throws on structurally invalid signatures; for a verifier that is simply "does not verify".
    return false;
  }
}

function verifyEcdsa(alg: KeyAlgorithm, key: KeyObject, data: Uint8Array, sig: Buffer): boolean {
  // sigstore verifies P-256 with SHA-256; P-384/P-521 keys may have been used with SHA-256 too.
  const hashes = [...new Set([EC_HASH[alg] ?? 'sha256', 'sha256'])];
  const rawLength = 2 * (EC_COORDINATE_BYTES[alg] ?? 32);
  return hashes.some(
    (hash) =>
      safeVerify(() => nodeVerify(hash, data, { key, dsaEncoding: 'der' }, sig)) ||
      // sigstore/sigstore >= 1.8.3 also accepts IEEE P1363 r||s
      (sig.length === rawLength && safeVerify(() => nodeVerify(hash, data, { key, dsaEncoding: 'ieee-p1363' }, sig))),
  );
}

function verifyRsa(key: KeyObject, data: Uint8Array, sig: Buffer): boolean {
  return (
    safeVerify(() => nodeVerify('sha256', data, { key, padding: constants.RSA_PKCS1_PADDING }, sig)) ||
    safeVerify(() =>
      nodeVerify('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, sig),
    )
  );
}

/** True when `signature` (raw bytes) is valid for `data` under `publicKey`. Never throws for bad input. */
export function verifyBytes(publicKey: KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
  let alg: KeyAlgorithm;
  try {
    alg = keyAlgorithm(publicKey);
  } catch {
    return false;
  }
  const sig = Buffer.from(signature);
  if (alg === 'ed25519') {
    return verifyEd25519ph(ed25519RawPublic(publicKey), data, sig) || safeVerify(() => nodeVerify(null, data, publicKey, sig));
  }
  if (alg === 'rsa') return verifyRsa(publicKey, data, sig);
  return verifyEcdsa(alg, publicKey, data, sig);
}

/** Verifies a base64 signature text (CR/LF tolerated); malformed base64 simply does not verify. */
export function verifyBase64Signature(publicKey: KeyObject, data: Uint8Array, signatureB64: string): boolean {
  const sig = decodeBase64Strict(signatureB64);
  return sig !== undefined && verifyBytes(publicKey, data, sig);
}
