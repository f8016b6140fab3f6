import { createPublicKey, type KeyObject } from 'node:crypto';
import { encryptPrivateKey, type EncryptOptions, type KeyPassword } from './encrypted-key';
import { generateEcdsaP256KeyPair, parsePlainPrivateKeyPem, pkcs8Der, publicKeyToPem } from './keys';

/** The two files cosign writes: `cosign.key` (encrypted) and `cosign.pub`. */
export interface CosignKeyFiles {
  privateKeyPem: string;
  publicKeyPem: string;
}

async function wrap(privateKey: KeyObject, password: KeyPassword, options: EncryptOptions): Promise<CosignKeyFiles> {
  const der = pkcs8Der(privateKey);
  try {
    return {
      privateKeyPem: await encryptPrivateKey(der, password, options),
      publicKeyPem: publicKeyToPem(createPublicKey(privateKey)),
    };
  } finally {
    der.fill(0);
  }
}

/** `cosign generate-key-pair`: fresh P-256 key, SIGSTORE label, scrypt N=65536 unless told otherwise. */
export async function generateCosignKeyPair(password: KeyPassword, options: EncryptOptions = {}): Promise<CosignKeyFiles> {
  return wrap(generateEcdsaP256KeyPair().privateKey, password, options);
}

/** `cosign import-key-pair`: re-wraps an unencrypted PKCS#8 / SEC1 / PKCS#1 PEM into the cosign format. */
export async function importCosignKeyPair(plainPem: string, password: KeyPassword, options: EncryptOptions = {}): Promise<CosignKeyFiles> {
  return wrap(parsePlainPrivateKeyPem(plainPem), password, options);
}
