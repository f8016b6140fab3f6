import type { KeyObject } from 'node:crypto';
import { SIMPLE_SIGNING } from '@signet/oci';
import type { TrustedKey } from './public-keys';
import { PublicKeySet } from './public-keys';
import { parsePayload, type PayloadParseMode, type SignaturePayload } from './simple-signing-payload';
import { decodeBase64Strict } from './pem';
import { identityMatches, type IdentityRule } from './identity';

/** One layer of a `.sig` manifest: the blob and the signature annotation (media type when known). */
export interface SignatureLayer {
  payload: Uint8Array;
  signature: string;
  mediaType?: string;
}

export interface LayerVerifyOptions {
  keys: PublicKeySet | readonly KeyObject[];
  /** The digest being judged; the payload's `docker-manifest-digest` must equal it. */
  expectedDigest: string;
  /** Defaults to `ignore`, as cosign verify does. */
  identity?: IdentityRule;
  /** Defaults to `strict` (containers/image rules). */
  payloadMode?: PayloadParseMode;
}

export type LayerFailureCode =
  'NOT_A_SIGNATURE' | 'MALFORMED_SIGNATURE' | 'SIGNATURE_MISMATCH' | 'MALFORMED_PAYLOAD' | 'DIGEST_MISMATCH' | 'IDENTITY_MISMATCH';

export type LayerVerification =
  { ok: true; payload: SignaturePayload; signer: TrustedKey } | { ok: false; code: LayerFailureCode; message: string };

const fail = (code: LayerFailureCode, message: string): LayerVerification => ({ ok: false, code, message });

/**
 * Checks one signature layer in containers/image's order: media type, signature against each trusted key,
 * payload syntax, digest claim, identity claim. Expected failures are results, never exceptions.
 */
export function verifySignatureLayer(layer: SignatureLayer, options: LayerVerifyOptions): LayerVerification {
  if (layer.mediaType !== undefined && layer.mediaType !== SIMPLE_SIGNING) {
    return fail('NOT_A_SIGNATURE', `layer media type ${layer.mediaType} is not a cosign signature`);
  }
  const signature = decodeBase64Strict(layer.signature);
  if (!signature) return fail('MALFORMED_SIGNATURE', 'signature annotation is not valid base64');
  const keySet = options.keys instanceof PublicKeySet ? options.keys : PublicKeySet.fromKeyObjects(options.keys);
  const signer = keySet.findSigner(layer.payload, signature);
  if (!signer) return fail('SIGNATURE_MISMATCH', 'signature does not verify with any trusted key');
  const parsed = parsePayload(layer.payload, options.payloadMode ?? 'strict');
  if (!parsed.ok) return fail('MALFORMED_PAYLOAD', parsed.message);
  const { payload } = parsed;
  if (payload.manifestDigest !== options.expectedDigest) {
    return fail('DIGEST_MISMATCH', `payload signs ${payload.manifestDigest}, expected ${options.expectedDigest}`);
  }
  const rule = options.identity ?? { type: 'ignore' };
  if (!identityMatches(payload.dockerReference, rule)) {
    return fail('IDENTITY_MISMATCH', `signed identity "${payload.dockerReference}" does not satisfy the ${rule.type} rule`);
  }
  return { ok: true, payload, signer };
}

export type LayersVerification =
  | { ok: true; accepted: Extract<LayerVerification, { ok: true }>[] }
  | { ok: false; code: LayerFailureCode | 'NO_SIGNATURES'; failures: Extract<LayerVerification, { ok: false }>[] };

/**
 * All layers of one `.sig` manifest. Accepted when at least one signature layer passes; otherwise the code
 * is the most informative failure among real signature layers (a digest mismatch says more than a bad key).
 */
export function verifySignatureLayers(layers: readonly SignatureLayer[], options: LayerVerifyOptions): LayersVerification {
  const keys = options.keys instanceof PublicKeySet ? options.keys : PublicKeySet.fromKeyObjects(options.keys);
  const results = layers.map((layer) => verifySignatureLayer(layer, { ...options, keys }));
  const accepted = results.filter((r): r is Extract<LayerVerification, { ok: true }> => r.ok);
  if (accepted.length) return { ok: true, accepted };
  const failures = results.filter((r): r is Extract<LayerVerification, { ok: false }> => !r.ok);
  const priority: LayerFailureCode[] = [
    'IDENTITY_MISMATCH',
    'DIGEST_MISMATCH',
    'MALFORMED_PAYLOAD',
    'SIGNATURE_MISMATCH',
    'MALFORMED_SIGNATURE',
  ];
  const code = priority.find((c) => failures.some((f) => f.code === c)) ?? 'NO_SIGNATURES';
  return { ok: false, code, failures };
}
