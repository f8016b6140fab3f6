import { createPublicKey, type KeyObject } from 'node:crypto';
import { KeyError } from '../errors';

/** DER of the OID prime256v1 (1.2.840.10045.3.1.7), as CKA_EC_PARAMS holds it for a P-256 key. */
export const P256_EC_PARAMS = Buffer.from('06082a8648ce3d030107', 'hex');
const P256_FIELD_BYTES = 32;

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n >>= 8) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** A non-negative big-endian integer as a minimal DER INTEGER (a 0x00 first when the top bit is set). */
function derInteger(magnitude: Buffer): Buffer {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  let body = magnitude.subarray(start);
  if (body.length === 0) body = Buffer.from([0]);
  if ((body[0] as number) & 0x80) body = Buffer.concat([Buffer.from([0]), body]);
  return Buffer.concat([Buffer.from([0x02]), derLength(body.length), body]);
}

/**
 * CKM_ECDSA answers r || s, each the field size; cosign (through crypto11) stores the ASN.1 DER
 * `SEQUENCE { r INTEGER, s INTEGER }` Go's ecdsa.VerifyASN1 reads, so the signature is re-encoded.
 */
export function ecdsaRawToDer(raw: Uint8Array): Buffer {
  if (raw.length === 0 || raw.length % 2 !== 0)
    throw new TypeError(`an r || s ECDSA signature has an even, non-zero length; got ${raw.length} bytes`);
  const half = raw.length / 2;
  const body = Buffer.concat([derInteger(Buffer.from(raw.subarray(0, half))), derInteger(Buffer.from(raw.subarray(half)))]);
  return Buffer.concat([Buffer.from([0x30]), derLength(body.length), body]);
}

/**
 * CKA_EC_POINT is the DER OCTET STRING around the uncompressed point (PKCS#11 2.40); some modules give the
 * bare point. Returns the public key after checking the point is on P-256 (Node refuses one that is not).
 */
export function p256PublicKeyFromEcPoint(ecParams: Buffer, ecPoint: Buffer): KeyObject {
  if (!ecParams.equals(P256_EC_PARAMS)) {
    throw new KeyError(
      'UNSUPPORTED_KEY_TYPE',
      `the token's key is not on curve P-256 (CKA_EC_PARAMS ${ecParams.toString('hex')}); cosign keys on a token are ECDSA P-256`,
    );
  }
  const pointLength = 1 + 2 * P256_FIELD_BYTES;
  let point = ecPoint;
  if (point.length === pointLength + 2 && point[0] === 0x04 && point[1] === pointLength) point = point.subarray(2);
  if (point.length !== pointLength || point[0] !== 0x04) {
    throw new KeyError('UNSUPPORTED_KEY_TYPE', `CKA_EC_POINT is not an uncompressed P-256 point (${ecPoint.length} bytes)`);
  }
  const b64url = (b: Buffer): string => b.toString('base64url');
  try {
    return createPublicKey({
      key: { kty: 'EC', crv: 'P-256', x: b64url(point.subarray(1, 1 + P256_FIELD_BYTES)), y: b64url(point.subarray(1 + P256_FIELD_BYTES)) },
      format: 'jwk',
    });
  } catch (cause) {
    throw new KeyError('UNSUPPORTED_KEY_TYPE', 'CKA_EC_POINT is not a point on P-256', { cause });
  }
}
