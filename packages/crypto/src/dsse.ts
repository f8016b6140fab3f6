import type { PublicKeySet, TrustedKey } from './public-keys';

/** A DSSE envelope as a Sigstore bundle carries it (cosign v3's default signature format). */
export interface DsseEnvelope {
  payloadType: string;
  payload: Buffer;
  signatures: { keyid?: string; sig: string }[];
}

export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

/** DSSE pre-authentication encoding: `DSSEv1 <len(type)> <type> <len(body)> <body>` (lengths in bytes). */
export function dssePae(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType);
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
}

export interface InTotoSubject {
  name?: string;
  digest?: Record<string, string>;
  annotations?: Record<string, unknown>;
}

export type DsseVerification =
  | { ok: true; signer: TrustedKey; statement: { subject?: InTotoSubject[] } & Record<string, unknown>; subject: InTotoSubject }
  | { ok: false; code: 'SIGNATURE_MISMATCH'; message: string }
  /** The signature is good but the statement's claims are not: `signer` says whose it is. */
  | { ok: false; code: 'MALFORMED_PAYLOAD' | 'DIGEST_MISMATCH'; message: string; signer: TrustedKey };

/**
 * Verifies a DSSE envelope holding an in-toto statement: one signature verifies over the PAE with a trusted
 * key, and the statement names `expectedDigest` (`sha256:<hex>`) among its subjects.
 */
export function verifyDsseStatement(envelope: DsseEnvelope, keys: PublicKeySet, expectedDigest: string): DsseVerification {
  const pae = dssePae(envelope.payloadType, envelope.payload);
  const signer = envelope.signatures.map((s) => keys.findSigner(pae, Buffer.from(s.sig, 'base64'))).find(Boolean);
  if (!signer) return { ok: false, code: 'SIGNATURE_MISMATCH', message: 'the envelope does not verify with any trusted key' };
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) return { ok: false, code: 'MALFORMED_PAYLOAD', message: `payload type is ${envelope.payloadType}`, signer };
  let statement: { subject?: InTotoSubject[] } & Record<string, unknown>;
  try {
    statement = JSON.parse(envelope.payload.toString('utf8'));
  } catch {
    return { ok: false, code: 'MALFORMED_PAYLOAD', message: 'the in-toto statement is not JSON', signer };
  }
  const [alg, hex] = expectedDigest.split(':');
  const subject = Array.isArray(statement?.subject) ? statement.subject.find((s) => alg !== undefined && s?.digest?.[alg] === hex) : undefined;
  if (!subject) return { ok: false, code: 'DIGEST_MISMATCH', message: `the statement does not name ${expectedDigest}`, signer };
  return { ok: true, signer, statement, subject };
}
