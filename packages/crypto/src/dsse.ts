import { COSIGN_SIGN_PREDICATE_TYPE, IN_TOTO_PAYLOAD_TYPE, type DsseEnvelope } from '@signet/oci';
import type { PublicKeySet, TrustedKey } from './public-keys';
import { identityMatches } from './identity';

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
  | {
      ok: false;
      code: 'MALFORMED_PAYLOAD' | 'NOT_A_SIGNATURE' | 'DIGEST_MISMATCH' | 'IDENTITY_MISMATCH';
      message: string;
      signer: TrustedKey;
    };

export interface DsseVerifyOptions {
  /**
   * Image references the subject may be named as (`host/repo:tag`, `host/repo`), compared as exact
   * references are for a simple-signing docker-reference; unset = names are not checked (cosign verify).
   * A subject with no name passes: cosign v3 writes none (`signDigestBundle` sets only the subject's digest
   * and annotations), so such a bundle binds the digest alone.
   */
  identities?: readonly string[];
}

/**
 * Verifies a DSSE envelope holding an image signature: one signature verifies over the PAE with a trusted
 * key, the statement has cosign's signature predicate type, and one of its subjects names `expectedDigest`
 * (`sha256:<hex>`) and, when `identities` are given, no other image.
 */
export function verifyDsseStatement(
  envelope: DsseEnvelope,
  keys: PublicKeySet,
  expectedDigest: string,
  opts: DsseVerifyOptions = {},
): DsseVerification {
  const pae = dssePae(envelope.payloadType, envelope.payload);
  const signer = envelope.signatures.map((s) => keys.findSigner(pae, Buffer.from(s.sig, 'base64'))).find(Boolean);
  if (!signer) return { ok: false, code: 'SIGNATURE_MISMATCH', message: 'the envelope does not verify with any trusted key' };
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE)
    return { ok: false, code: 'MALFORMED_PAYLOAD', message: `payload type is ${envelope.payloadType}`, signer };
  let statement: { subject?: InTotoSubject[] } & Record<string, unknown>;
  try {
    statement = JSON.parse(envelope.payload.toString('utf8'));
  } catch {
    return { ok: false, code: 'MALFORMED_PAYLOAD', message: 'the in-toto statement is not JSON', signer };
  }
  if (statement?.predicateType !== COSIGN_SIGN_PREDICATE_TYPE) {
    return {
      ok: false,
      code: 'NOT_A_SIGNATURE',
      message: `predicate type ${JSON.stringify(statement?.predicateType)} is not an image signature`,
      signer,
    };
  }
  const [alg, hex] = expectedDigest.split(':');
  const subjects = Array.isArray(statement.subject) ? statement.subject.filter((s) => alg !== undefined && s?.digest?.[alg] === hex) : [];
  if (subjects.length === 0)
    return { ok: false, code: 'DIGEST_MISMATCH', message: `the statement does not name ${expectedDigest}`, signer };
  const { identities } = opts;
  const subject = identities ? subjects.find((s) => subjectNamed(s, identities)) : subjects[0];
  if (!subject) {
    return {
      ok: false,
      code: 'IDENTITY_MISMATCH',
      message: `the statement names ${expectedDigest} as ${subjects.map((s) => JSON.stringify(s.name)).join(', ')}, not ${identities?.join(' or ')}`,
      signer,
    };
  }
  return { ok: true, signer, statement, subject };
}

function subjectNamed(subject: InTotoSubject, identities: readonly string[]): boolean {
  if (subject.name === undefined || subject.name === '') return true;
  const name = subject.name;
  return typeof name === 'string' && identities.some((reference) => identityMatches(name, { type: 'exact', reference }));
}
