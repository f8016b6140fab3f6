import { goJsonString, goJsonStringMap, isDigest } from '@signet/oci';
import { parseStrictJson, StrictJsonError } from './strict-json';

/** The claims of a cosign "simple signing" payload. */
export interface SignaturePayload {
  dockerReference: string;
  manifestDigest: string;
  type: string;
  optional: Record<string, unknown> | null;
}

export interface PayloadInput {
  /** Written verbatim: cosign uses the repository only (`host/repo`); a tag (`host/repo:tag`) is allowed. */
  dockerReference: string;
  manifestDigest: string;
  /** String annotations (`cosign sign -a k=v`); `optional` is `null` when absent or empty. */
  annotations?: Readonly<Record<string, string>>;
}

/** Value of `critical.type` in every cosign payload. */
export const COSIGN_SIGNATURE_TYPE = 'cosign container image signature';

/** Builds the payload byte-for-byte as cosign emits it (sigstore/sigstore `payload.Cosign`). */
export function buildPayload(input: PayloadInput): Buffer {
  if (!isDigest(input.manifestDigest)) throw new TypeError(`not a digest: ${input.manifestDigest}`);
  if (input.dockerReference.length === 0) throw new TypeError('docker reference must not be empty');
  const annotations = input.annotations ?? {};
  const optional = Object.keys(annotations).length ? goJsonStringMap(annotations) : 'null';
  const json =
    `{"critical":{"identity":{"docker-reference":${goJsonString(input.dockerReference)}},` +
    `"image":{"docker-manifest-digest":${goJsonString(input.manifestDigest)}},` +
    `"type":${goJsonString(COSIGN_SIGNATURE_TYPE)}},"optional":${optional}}`;
  return Buffer.from(json, 'utf8');
}

/**
 * `strict` follows containers/image (exact key sets, duplicate keys and trailing data rejected, fixed type);
 * `lenient` follows cosign (unknown fields ignored, only the digest is required).
 */
export type PayloadParseMode = 'strict' | 'lenient';

export type PayloadParseResult = { ok: true; payload: SignaturePayload } | { ok: false; code: 'MALFORMED_PAYLOAD'; message: string };

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

class PayloadShapeError extends Error {}

function exactKeys(value: unknown, keys: readonly string[], where: string): Obj {
  if (!isObject(value)) throw new PayloadShapeError(`${where} must be an object`);
  const actual = Object.keys(value).sort();
  const wanted = [...keys].sort();
  if (actual.length !== wanted.length || actual.some((k, i) => k !== wanted[i])) {
    throw new PayloadShapeError(`${where} must have exactly the keys ${wanted.join(', ')}`);
  }
  return value;
}

function requireString(value: unknown, where: string): string {
  if (typeof value !== 'string') throw new PayloadShapeError(`${where} must be a string`);
  return value;
}

function strictPayload(doc: unknown): SignaturePayload {
  const top = exactKeys(doc, ['critical', 'optional'], 'payload');
  const critical = exactKeys(top.critical, ['type', 'image', 'identity'], 'critical');
  const image = exactKeys(critical.image, ['docker-manifest-digest'], 'critical.image');
  const identity = exactKeys(critical.identity, ['docker-reference'], 'critical.identity');
  const type = requireString(critical.type, 'critical.type');
  if (type !== COSIGN_SIGNATURE_TYPE) throw new PayloadShapeError(`unexpected signature type "${type}"`);
  const manifestDigest = requireString(image['docker-manifest-digest'], 'docker-manifest-digest');
  if (!isDigest(manifestDigest)) throw new PayloadShapeError(`invalid docker-manifest-digest "${manifestDigest}"`);
  const optional = top.optional;
  if (optional !== null && !isObject(optional)) throw new PayloadShapeError('optional must be null or an object');
  if (optional && 'creator' in optional) requireString(optional.creator, 'optional.creator');
  if (optional && 'timestamp' in optional && !Number.isInteger(optional.timestamp)) {
    throw new PayloadShapeError('optional.timestamp must be an integer');
  }
  return {
    dockerReference: requireString(identity['docker-reference'], 'docker-reference'),
    manifestDigest,
    type,
    optional: optional ? { ...optional } : null,
  };
}

function lenientPayload(doc: unknown): SignaturePayload {
  const critical = isObject(doc) && isObject(doc.critical) ? doc.critical : undefined;
  if (!critical) throw new PayloadShapeError('payload has no critical section');
  const image = isObject(critical.image) ? critical.image : {};
  const identity = isObject(critical.identity) ? critical.identity : {};
  const ref = identity['docker-reference'];
  const optional = isObject(doc) && isObject(doc.optional) ? doc.optional : null;
  return {
    dockerReference: typeof ref === 'string' ? ref : '',
    manifestDigest: requireString(image['docker-manifest-digest'], 'docker-manifest-digest'),
    type: typeof critical.type === 'string' ? critical.type : '',
    optional,
  };
}

export function parsePayload(bytes: Uint8Array, mode: PayloadParseMode = 'strict'): PayloadParseResult {
  const text = new TextDecoder('utf-8').decode(bytes);
  try {
    const doc = mode === 'strict' ? parseStrictJson(text) : (JSON.parse(text) as unknown);
    return { ok: true, payload: mode === 'strict' ? strictPayload(doc) : lenientPayload(doc) };
  } catch (err) {
    if (err instanceof StrictJsonError || err instanceof PayloadShapeError || err instanceof SyntaxError) {
      return { ok: false, code: 'MALFORMED_PAYLOAD', message: `malformed signature payload: ${err.message}` };
    }
    throw err;
  }
}
