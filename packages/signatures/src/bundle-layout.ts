import { z } from 'zod';
import { COSIGN_SIGN_PREDICATE_TYPE } from '@signet/crypto';
import { addToReferrersIndex, type Descriptor, digestOf, OCI_EMPTY, OCI_MANIFEST, type RegistryClient, SIGSTORE_BUNDLE } from '@signet/registry';

/** A DSSE envelope as a sigstore bundle carries it; `payload` decoded, signatures left as base64 text. */
export interface DsseEnvelope {
  payloadType: string;
  payload: Buffer;
  signatures: { keyid?: string; sig: string }[];
}

const Envelope = z.object({
  payloadType: z.string(),
  payload: z.string(),
  signatures: z.array(z.object({ keyid: z.string().optional(), sig: z.string() })).min(1),
});
const Bundle = z.looseObject({ mediaType: z.string(), dsseEnvelope: Envelope });

/** The DSSE envelope of a sigstore bundle, or undefined when the bytes are not a DSSE bundle. */
export function bundleEnvelope(bundle: Buffer): DsseEnvelope | undefined {
  let json: unknown;
  try {
    json = JSON.parse(bundle.toString('utf8'));
  } catch {
    return undefined;
  }
  const parsed = Bundle.safeParse(json);
  if (!parsed.success) return undefined;
  const e = parsed.data.dsseEnvelope;
  return {
    payloadType: e.payloadType,
    payload: Buffer.from(e.payload, 'base64'),
    signatures: e.signatures.map((s) => ({ ...(s.keyid ? { keyid: s.keyid } : {}), sig: s.sig })),
  };
}

const EMPTY_CONFIG = Buffer.from('{}');

/**
 * Attaches a sigstore bundle to `subject` as cosign v3 does (spec §7.2): bundle and `{}` blobs, an OCI 1.1
 * manifest with `subject` and `artifactType`, pushed by digest; where the registry does not index the subject
 * itself (no `OCI-Subject` header) the `sha256-<hex>` fallback index is updated.
 */
export async function attachBundle(client: RegistryClient, repo: string, subject: Descriptor, bundle: Buffer, created = new Date()): Promise<string> {
  await client.uploadBlob(repo, EMPTY_CONFIG);
  await client.uploadBlob(repo, bundle);
  const annotations = {
    'dev.sigstore.bundle.content': 'dsse-envelope',
    'dev.sigstore.bundle.predicateType': COSIGN_SIGN_PREDICATE_TYPE,
    'org.opencontainers.image.created': created.toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: SIGSTORE_BUNDLE,
      config: { mediaType: OCI_EMPTY, size: EMPTY_CONFIG.length, digest: digestOf(EMPTY_CONFIG) },
      layers: [{ mediaType: SIGSTORE_BUNDLE, size: bundle.length, digest: digestOf(bundle) }],
      subject: { mediaType: subject.mediaType, size: subject.size, digest: subject.digest },
      annotations,
    }),
  );
  const digest = digestOf(manifest);
  const put = await client.putManifest(repo, digest, manifest, OCI_MANIFEST);
  if (put.subject !== subject.digest) {
    await addToReferrersIndex(client, repo, subject.digest, { mediaType: OCI_MANIFEST, size: manifest.length, digest, artifactType: SIGSTORE_BUNDLE, annotations });
  }
  return digest;
}
