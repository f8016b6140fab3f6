import { randomBytes, scrypt as scryptCallback, type ScryptOptions } from 'node:crypto';
import nacl from 'tweetnacl';
import { z } from 'zod';
import { MalformedKeyFileError, UnsupportedKdfParamsError, WrongPasswordError } from './errors';
import { decodeBase64Strict, decodeFirstPem, encodePem } from './pem';

/** Written by cosign >= 2.0.1. */
export const SIGSTORE_PRIVATE_KEY_PEM_TYPE = 'ENCRYPTED SIGSTORE PRIVATE KEY';
/** Written by cosign <= 2.0.0 and by containers/image (skopeo) in every version. */
export const COSIGN_PRIVATE_KEY_PEM_TYPE = 'ENCRYPTED COSIGN PRIVATE KEY';
export type EncryptedKeyPemType = typeof SIGSTORE_PRIVATE_KEY_PEM_TYPE | typeof COSIGN_PRIVATE_KEY_PEM_TYPE;

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** go-securesystemslib accepts exactly these sets: Legacy, Standard (written by cosign >= 2.2), OWASP. */
export const ACCEPTED_SCRYPT_PARAMS: readonly ScryptParams[] = [
  { N: 32768, r: 8, p: 1 },
  { N: 65536, r: 8, p: 1 },
  { N: 131072, r: 8, p: 1 },
];
export const DEFAULT_SCRYPT_PARAMS: ScryptParams = { N: 65536, r: 8, p: 1 };
/**
 * The only set go-securesystemslib accepted before v0.7: containers/image before 5.29 (skopeo <= 1.13,
 * podman 4.x) refuses any other with "unexpected kdf parameters" when it signs with the key.
 */
export const COMPAT_SCRYPT_PARAMS: ScryptParams = { N: 32768, r: 8, p: 1 };

/**
 * A key password. Bytes reach scrypt exactly as given (cosign reads stdin and passes the bytes on, so two
 * different byte strings must never open the same key); a string stands for its UTF-8 encoding, which is
 * what cosign derives from the same text.
 */
export type KeyPassword = string | Uint8Array;

const KEY_LENGTH = 32;
const SALT_LENGTH = 32;
// scrypt needs 128*N*r bytes (128 MiB at N=131072); Node's default cap is 32 MiB.
const SCRYPT_MAXMEM = 256 * 1024 * 1024;

const envelopeSchema = z.object({
  kdf: z.object({
    name: z.string(),
    params: z.object({ N: z.number().int(), r: z.number().int(), p: z.number().int() }),
    salt: z.string(),
  }),
  cipher: z.object({ name: z.string(), nonce: z.string() }),
  ciphertext: z.string(),
});

/** The envelope after validation; everything needed to decrypt, nothing decrypted yet. */
export interface EncryptedKeyEnvelope {
  pemType: EncryptedKeyPemType;
  params: ScryptParams;
  salt: Buffer;
  nonce: Buffer;
  ciphertext: Buffer;
}

export function deriveKey(password: KeyPassword, salt: Uint8Array, params: ScryptParams): Promise<Buffer> {
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: SCRYPT_MAXMEM };
  const bytes = typeof password === 'string' ? Buffer.from(password, 'utf8') : password;
  return new Promise((resolve, reject) => {
    scryptCallback(bytes, salt, KEY_LENGTH, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

function isAcceptedParams(p: ScryptParams): boolean {
  return ACCEPTED_SCRYPT_PARAMS.some((a) => a.N === p.N && a.r === p.r && a.p === p.p);
}

function decodeField(value: string, field: string): Buffer {
  const bytes = decodeBase64Strict(value);
  if (!bytes) throw new MalformedKeyFileError(`encrypted key: ${field} is not valid base64`);
  return bytes;
}

/** Parses and validates an encrypted key file without running the KDF. */
export function parseEncryptedKeyFile(pem: string): EncryptedKeyEnvelope {
  const block = decodeFirstPem(pem);
  if (!block) throw new MalformedKeyFileError('no PEM block found in the private key file');
  if (block.type !== SIGSTORE_PRIVATE_KEY_PEM_TYPE && block.type !== COSIGN_PRIVATE_KEY_PEM_TYPE) {
    throw new MalformedKeyFileError(
      `unsupported PEM type "${block.type}": expected ${SIGSTORE_PRIVATE_KEY_PEM_TYPE} or ${COSIGN_PRIVATE_KEY_PEM_TYPE}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(block.der.toString('utf8'));
  } catch (cause) {
    throw new MalformedKeyFileError('encrypted key envelope is not JSON', { cause });
  }
  const parsed = envelopeSchema.safeParse(json);
  if (!parsed.success) {
    throw new MalformedKeyFileError('encrypted key envelope lacks required fields', { cause: parsed.error });
  }
  const env = parsed.data;
  if (env.kdf.name !== 'scrypt') throw new UnsupportedKdfParamsError(`unsupported KDF "${env.kdf.name}"`);
  if (!isAcceptedParams(env.kdf.params)) {
    const { N, r, p } = env.kdf.params;
    throw new UnsupportedKdfParamsError(`unsupported scrypt parameters N=${N} r=${r} p=${p}`);
  }
  if (env.cipher.name !== 'nacl/secretbox') {
    throw new UnsupportedKdfParamsError(`unsupported cipher "${env.cipher.name}"`);
  }
  const nonce = decodeField(env.cipher.nonce, 'nonce');
  if (nonce.length !== nacl.secretbox.nonceLength) {
    throw new MalformedKeyFileError(`encrypted key: nonce must be ${nacl.secretbox.nonceLength} bytes`);
  }
  const ciphertext = decodeField(env.ciphertext, 'ciphertext');
  if (ciphertext.length < nacl.secretbox.overheadLength) {
    throw new MalformedKeyFileError('encrypted key: ciphertext is too short');
  }
  return {
    pemType: block.type,
    params: { N: env.kdf.params.N, r: env.kdf.params.r, p: env.kdf.params.p },
    salt: decodeField(env.kdf.salt, 'salt'),
    nonce,
    ciphertext,
  };
}

/** Decrypts to the PKCS#8 DER inside. Never returns unauthenticated bytes. */
export async function decryptEncryptedKeyFile(pem: string, password: KeyPassword): Promise<Buffer> {
  const envelope = parseEncryptedKeyFile(pem);
  const key = await deriveKey(password, envelope.salt, envelope.params);
  const plain = nacl.secretbox.open(envelope.ciphertext, envelope.nonce, key);
  key.fill(0);
  if (!plain) throw new WrongPasswordError();
  return Buffer.from(plain);
}

export interface EncryptOptions {
  pemType?: EncryptedKeyPemType;
  params?: ScryptParams;
}

/** Writes the file byte-for-byte as `cosign generate-key-pair` does (Go json.Marshal field order). */
export async function encryptPrivateKey(pkcs8Der: Uint8Array, password: KeyPassword, options: EncryptOptions = {}): Promise<string> {
  const params = options.params ?? DEFAULT_SCRYPT_PARAMS;
  if (!isAcceptedParams(params)) {
    throw new UnsupportedKdfParamsError(`unsupported scrypt parameters N=${params.N} r=${params.r} p=${params.p}`);
  }
  const salt = randomBytes(SALT_LENGTH);
  const nonce = randomBytes(nacl.secretbox.nonceLength);
  const key = await deriveKey(password, salt, params);
  const ciphertext = nacl.secretbox(pkcs8Der, nonce, key);
  key.fill(0);
  const json =
    `{"kdf":{"name":"scrypt","params":{"N":${params.N},"r":${params.r},"p":${params.p}},` +
    `"salt":"${salt.toString('base64')}"},` +
    `"cipher":{"name":"nacl/secretbox","nonce":"${nonce.toString('base64')}"},` +
    `"ciphertext":"${Buffer.from(ciphertext).toString('base64')}"}`;
  return encodePem(options.pemType ?? SIGSTORE_PRIVATE_KEY_PEM_TYPE, Buffer.from(json, 'utf8'));
}
