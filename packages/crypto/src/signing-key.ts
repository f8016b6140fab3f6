import { createPublicKey, type KeyObject } from 'node:crypto';
import { decryptEncryptedKeyFile, type KeyPassword } from './encrypted-key';
import {
  fingerprintOf,
  keyAlgorithm,
  parsePlainPrivateKeyPem,
  privateKeyFromPkcs8,
  publicKeyToPem,
  type KeyAlgorithm,
  type KeyFingerprint,
} from './keys';
import { decodeFirstPem } from './pem';
import { signBytes } from './signature';

/** A loaded private key. `sign` is async so a KMS-backed key can implement the same interface. */
export interface SigningKey {
  readonly algorithm: KeyAlgorithm;
  readonly publicKey: KeyObject;
  /** PKIX PEM, byte-identical to the cosign.pub file. */
  readonly publicKeyPem: string;
  readonly fingerprint: KeyFingerprint;
  /** Signs the exact bytes; resolves to the standard padded base64 of the signature (DER for ECDSA). */
  sign(data: Uint8Array): Promise<string>;
}

export function signingKeyFromPrivateKey(privateKey: KeyObject): SigningKey {
  const algorithm = keyAlgorithm(privateKey);
  const publicKey = createPublicKey(privateKey);
  return {
    algorithm,
    publicKey,
    publicKeyPem: publicKeyToPem(publicKey),
    fingerprint: fingerprintOf(publicKey),
    sign: (data) => Promise.resolve(signBytes(privateKey, data).toString('base64')),
  };
}

const ENCRYPTED_TYPES = new Set(['ENCRYPTED SIGSTORE PRIVATE KEY', 'ENCRYPTED COSIGN PRIVATE KEY']);

export function isEncryptedKeyPem(pem: string): boolean {
  const block = decodeFirstPem(pem);
  return block !== undefined && ENCRYPTED_TYPES.has(block.type);
}

/** Decrypts a cosign key file (either label, any accepted scrypt parameters). */
export async function decryptPrivateKey(pem: string, password: KeyPassword): Promise<KeyObject> {
  const der = await decryptEncryptedKeyFile(pem, password);
  try {
    return privateKeyFromPkcs8(der);
  } finally {
    der.fill(0);
  }
}

/** Encrypted cosign key (needs a password) or an unencrypted PKCS#8 / SEC1 / PKCS#1 PEM. */
export async function loadPrivateKeyPem(pem: string, password?: KeyPassword): Promise<KeyObject> {
  if (isEncryptedKeyPem(pem)) {
    if (password === undefined) throw new TypeError('an encrypted private key needs a password');
    return decryptPrivateKey(pem, password);
  }
  return parsePlainPrivateKeyPem(pem);
}
