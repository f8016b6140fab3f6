import { z } from 'zod';

/** The payload type of a DSSE envelope holding an in-toto statement. */
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

/**
 * The predicate type of an image signature, as opposed to an attestation (SLSA provenance, SBOM...) signed
 * by the same key: cosign's `types.CosignSignPredicateType` (sigstore/cosign `pkg/types/predicate.go`),
 * which `signDigestBundle` in `cmd/cosign/cli/sign/sign.go` writes into the statement of every v3 bundle.
 */
export const COSIGN_SIGN_PREDICATE_TYPE = 'https://sigstore.dev/cosign/sign/v1';

/** A DSSE envelope as JSON carries it: payload and signatures in base64. */
export const dsseEnvelopeSchema = z.object({
  payloadType: z.string(),
  payload: z.string(),
  signatures: z.array(z.object({ keyid: z.string().optional(), sig: z.string() })).min(1),
});

/** The part of a sigstore bundle a key-signed DSSE signature needs; other fields (verification material) pass. */
export const sigstoreBundleSchema = z.looseObject({ mediaType: z.string(), dsseEnvelope: dsseEnvelopeSchema });

/** A DSSE envelope with its payload decoded; signatures stay base64 text as the envelope holds them. */
export interface DsseEnvelope {
  payloadType: string;
  payload: Buffer;
  signatures: { keyid?: string; sig: string }[];
}

/** The DSSE envelope of a sigstore bundle's bytes, or undefined when they are not a DSSE bundle. */
export function parseBundleEnvelope(bundle: Uint8Array): DsseEnvelope | undefined {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bundle).toString('utf8'));
  } catch {
    return undefined;
  }
  const parsed = sigstoreBundleSchema.safeParse(json);
  if (!parsed.success) return undefined;
  const e = parsed.data.dsseEnvelope;
  return {
    payloadType: e.payloadType,
    payload: Buffer.from(e.payload, 'base64'),
    signatures: e.signatures.map((s) => ({ ...(s.keyid ? { keyid: s.keyid } : {}), sig: s.sig })),
  };
}
