import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { MalformedKeyFileError, UnsupportedKeyTypeError } from './errors';
import { decodeFirstPem, encodePem } from './pem';

export const PUBLIC_KEY_PEM_TYPE = 'PUBLIC KEY';

/** Algorithms a cosign key can have (sigstore `cryptoutils.ValidatePubKey`). */
export type KeyAlgorithm = 'ecdsa-p256' | 'ecdsa-p384' | 'ecdsa-p521' | 'rsa' | 'ed25519';

export interface KeyFingerprint {
  /** Lowercase hex SHA-256 of the SubjectPublicKeyInfo DER. */
  sha256: string;
  /** First 16 hex characters, for log lines. */
  short: string;
}

const CURVES: Record<string, KeyAlgorithm> = {
  prime256v1: 'ecdsa-p256',
  secp384r1: 'ecdsa-p384',
  secp521r1: 'ecdsa-p521',
};

/** Classifies a key and rejects what cosign rejects (other curves, RSA outside 2048..4096 bits). */
export function keyAlgorithm(key: KeyObject): KeyAlgorithm {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'ec': {
      const alg = CURVES[details.namedCurve ?? ''];
      if (!alg) throw new UnsupportedKeyTypeError(`unsupported elliptic curve ${details.namedCurve ?? 'unknown'}`);
      return alg;
    }
    case 'rsa': {
      const bits = details.modulusLength ?? 0;
      if (bits < 2048 || bits > 4096) throw new UnsupportedKeyTypeError(`unsupported RSA key size ${bits} bits`);
      return 'rsa';
    }
    case 'ed25519':
      return 'ed25519';
    default:
      throw new UnsupportedKeyTypeError(`unsupported key type ${key.asymmetricKeyType ?? 'unknown'}`);
  }
}

export function spkiDer(publicKey: KeyObject): Buffer {
  return publicKey.export({ type: 'spki', format: 'der' });
}

/** PKIX `PUBLIC KEY` PEM in Go's layout (178 bytes for P-256), as written to cosign.pub. */
export function publicKeyToPem(publicKey: KeyObject): string {
  return encodePem(PUBLIC_KEY_PEM_TYPE, spkiDer(publicKey));
}

export function fingerprintOf(publicKey: KeyObject): KeyFingerprint {
  const sha256 = createHash('sha256').update(spkiDer(publicKey)).digest('hex');
  return { sha256, short: sha256.slice(0, 16) };
}

/** Reads a public key PEM: `PUBLIC KEY` (PKIX) or `RSA PUBLIC KEY` (PKCS#1), first block only. */
export function parsePublicKeyPem(pem: string): KeyObject {
  const block = decodeFirstPem(pem);
  if (!block) throw new MalformedKeyFileError('no PEM block found in the public key');
  let key: KeyObject;
  try {
    if (block.type === PUBLIC_KEY_PEM_TYPE) key = createPublicKey({ key: block.der, format: 'der', type: 'spki' });
    else if (block.type === 'RSA PUBLIC KEY') key = createPublicKey({ key: block.der, format: 'der', type: 'pkcs1' });
    else throw new MalformedKeyFileError(`unsupported public key PEM type "${block.type}"`);
  } catch (cause) {
    if (cause instanceof MalformedKeyFileError) throw cause;
    throw new MalformedKeyFileError('public key DER could not be parsed', { cause });
  }
  keyAlgorithm(key);
  if (key.asymmetricKeyType === 'ec' && !canonicalSpki(key).equals(block.der)) {
    // OpenSSL also reads compressed (02/03) and hybrid (06/07) points and odd BIT STRING headers; Go's x509, which
    // cosign and containers/image use, reads only the uncompressed DER form. Refusing the rest keeps Signet's
    // answer, and the key fingerprint (a hash of these bytes), the same as theirs.
    throw new MalformedKeyFileError('EC public key is not a DER SubjectPublicKeyInfo with an uncompressed point');
  }
  return key;
}

/** The SPKI DER of the key's point in uncompressed form (re-encoded from its coordinates). */
function canonicalSpki(key: KeyObject): Buffer {
  return createPublicKey({ key: key.export({ format: 'jwk' }), format: 'jwk' }).export({ type: 'spki', format: 'der' });
}

export function privateKeyFromPkcs8(der: Uint8Array): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
  } catch (cause) {
    throw new MalformedKeyFileError('decrypted key is not a PKCS#8 private key', { cause });
  }
  keyAlgorithm(key);
  return key;
}

export function pkcs8Der(privateKey: KeyObject): Buffer {
  return privateKey.export({ type: 'pkcs8', format: 'der' });
}

const PLAIN_PRIVATE_KEY_TYPES: Record<string, 'pkcs8' | 'sec1' | 'pkcs1'> = {
  'PRIVATE KEY': 'pkcs8',
  'EC PRIVATE KEY': 'sec1',
  'RSA PRIVATE KEY': 'pkcs1',
};

/** Unencrypted PEM keys as `cosign import-key-pair` accepts them: PKCS#8, SEC1 EC, PKCS#1 RSA. */
export function parsePlainPrivateKeyPem(pem: string): KeyObject {
  const block = decodeFirstPem(pem);
  if (!block) throw new MalformedKeyFileError('no PEM block found in the private key file');
  const type = PLAIN_PRIVATE_KEY_TYPES[block.type];
  if (!type) throw new MalformedKeyFileError(`unsupported private key PEM type "${block.type}"`);
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: block.der, format: 'der', type });
  } catch (cause) {
    throw new MalformedKeyFileError(`${block.type} block could not be parsed`, { cause });
  }
  keyAlgorithm(key);
  return key;
}

export interface GeneratedKeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export function generateEcdsaP256KeyPair(): GeneratedKeyPair {
  return generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
}
