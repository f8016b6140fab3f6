import { COSIGN_SIGN_PREDICATE_TYPE, digestOf, OCI_EMPTY, OCI_MANIFEST, SIGSTORE_BUNDLE } from '@signet/oci';
import { addToReferrersIndex, type Descriptor, type RegistryClient } from '@signet/registry';

const EMPTY_CONFIG = Buffer.from('{}');

/**
 * Attaches a sigstore bundle to `subject` as cosign v3 does (spec §7.2): bundle and `{}` blobs, an OCI 1.1
 * manifest with `subject` and `artifactType`, pushed by digest; where the registry does not index the subject
 * itself (no `OCI-Subject` header) the `sha256-<hex>` fallback index is updated.
 */
export async function attachBundle(
  client: RegistryClient,
  repo: string,
  subject: Descriptor,
  bundle: Buffer,
  created = new Date(),
): Promise<string> {
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
    await addToReferrersIndex(client, repo, subject.digest, {
      mediaType: OCI_MANIFEST,
      size: manifest.length,
      digest,
      artifactType: SIGSTORE_BUNDLE,
      annotations,
    });
  }
  return digest;
}
