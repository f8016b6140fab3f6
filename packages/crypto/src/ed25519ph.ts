import { createHash } from 'node:crypto';

/*
 * Ed25519ph (RFC 8032 §5.1, prehashed variant with an empty context). cosign signs with Ed25519ph when
 * given an Ed25519 key, and Node's crypto only offers pure Ed25519, so the curve arithmetic is done here
 * with BigInt. Speed is modest (a few ms per operation); Ed25519 keys are rare in practice.
 */

const P = 2n ** 255n - 19n;
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const mod = (a: bigint, m = P): bigint => ((a % m) + m) % m;

function pow(base: bigint, exp: bigint): bigint {
  let result = 1n;
  let b = mod(base);
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % P;
    b = (b * b) % P;
    e >>= 1n;
  }
  return result;
}
const inv = (a: bigint): bigint => pow(a, P - 2n);

const D = mod(-121665n * inv(121666n));
const D2 = mod(2n * D);
const SQRT_M1 = pow(2n, (P - 1n) / 4n);

/** Extended twisted Edwards coordinates (X:Y:Z:T), x = X/Z, y = Y/Z, xy = T/Z. */
type Point = readonly [bigint, bigint, bigint, bigint];
const IDENTITY: Point = [0n, 1n, 1n, 0n];

function add(p: Point, q: Point): Point {
  const [x1, y1, z1, t1] = p;
  const [x2, y2, z2, t2] = q;
  const a = mod((y1 - x1) * (y2 - x2));
  const b = mod((y1 + x1) * (y2 + x2));
  const c = mod(t1 * D2 * t2);
  const d = mod(z1 * 2n * z2);
  const e = b - a;
  const f = d - c;
  const g = d + c;
  const h = b + a;
  return [mod(e * f), mod(g * h), mod(f * g), mod(e * h)];
}

function multiply(point: Point, scalar: bigint): Point {
  let result = IDENTITY;
  let addend = point;
  let k = scalar;
  while (k > 0n) {
    if (k & 1n) result = add(result, addend);
    addend = add(addend, addend);
    k >>= 1n;
  }
  return result;
}

const bytesToNumberLE = (bytes: Uint8Array): bigint => {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i] ?? 0);
  return n;
};

function numberToBytesLE(n: bigint): Buffer {
  const out = Buffer.alloc(32);
  let v = n;
  for (let i = 0; i < 32; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

function encodePoint(p: Point): Buffer {
  const zInv = inv(p[2]);
  const x = mod(p[0] * zInv);
  const y = mod(p[1] * zInv);
  const out = numberToBytesLE(y);
  out[31] = (out[31] ?? 0) | (Number(x & 1n) << 7);
  return out;
}

function decodePoint(bytes: Uint8Array): Point | undefined {
  if (bytes.length !== 32) return undefined;
  const copy = Buffer.from(bytes);
  const sign = (copy[31] ?? 0) >> 7;
  copy[31] = (copy[31] ?? 0) & 0x7f;
  const y = bytesToNumberLE(copy);
  if (y >= P) return undefined;
  const u = mod(y * y - 1n);
  const v = mod(D * y * y + 1n);
  const x2 = mod(u * inv(v));
  let x = pow(x2, (P + 3n) / 8n);
  if (mod(x * x) !== x2) x = mod(x * SQRT_M1);
  if (mod(x * x) !== x2) return undefined;
  if (x === 0n && sign === 1) return undefined;
  if (Number(x & 1n) !== sign) x = P - x;
  return [x, y, 1n, mod(x * y)];
}

const BASE = decodePoint(Buffer.from('5866666666666666666666666666666666666666666666666666666666666666', 'hex')) as Point;
// dom2(phflag = 1, context = empty)
const DOM2_PH = Buffer.concat([Buffer.from('SigEd25519 no Ed25519 collisions', 'ascii'), Buffer.from([1, 0])]);

const sha512 = (...parts: Uint8Array[]): Buffer => {
  const h = createHash('sha512');
  for (const part of parts) h.update(part);
  return h.digest();
};

/** Signs `message` with Ed25519ph; `seed` is the 32-byte RFC 8032 private key. */
export function signEd25519ph(seed: Uint8Array, message: Uint8Array): Buffer {
  const h = sha512(seed);
  const scalarBytes = Buffer.from(h.subarray(0, 32));
  scalarBytes[0] = (scalarBytes[0] ?? 0) & 248;
  scalarBytes[31] = ((scalarBytes[31] ?? 0) & 127) | 64;
  const a = bytesToNumberLE(scalarBytes);
  const publicKey = encodePoint(multiply(BASE, a));
  const prehash = sha512(message);
  const r = mod(bytesToNumberLE(sha512(DOM2_PH, h.subarray(32), prehash)), L);
  const R = encodePoint(multiply(BASE, r));
  const k = mod(bytesToNumberLE(sha512(DOM2_PH, R, publicKey, prehash)), L);
  return Buffer.concat([R, numberToBytesLE(mod(r + k * a, L))]);
}

/** Cofactorless check [S]B - [k]A == R, as Go's crypto/ed25519 does. */
export function verifyEd25519ph(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== 64) return false;
  const A = decodePoint(publicKey);
  if (!A) return false;
  const R = signature.subarray(0, 32);
  const S = bytesToNumberLE(signature.subarray(32));
  if (S >= L) return false;
  const k = mod(bytesToNumberLE(sha512(DOM2_PH, R, publicKey, sha512(message))), L);
  const negA: Point = [mod(-A[0]), A[1], A[2], mod(-A[3])];
  const check = add(multiply(BASE, S), multiply(negA, k));
  return encodePoint(check).equals(Buffer.from(R));
}
