import { signatureTag } from '@signet/oci';
import type { Descriptor, RegistryClient } from '@signet/registry';
import { signatureImage } from '../src';

/**
 * Writes `digest`'s `.sig` tag straight through `client`, as anyone who may push can: `blobs` are uploaded,
 * then a signature image whose layers are `layers` (which need not match the blobs). Returns its manifest.
 */
export async function writeSignatureTag(
  client: RegistryClient,
  repo: string,
  digest: string,
  layers: Descriptor[],
  blobs: Buffer[],
): Promise<Buffer> {
  for (const blob of blobs) await client.uploadBlob(repo, blob);
  const image = signatureImage(layers);
  await client.uploadBlob(repo, image.config);
  await client.putManifest(repo, signatureTag(digest), image.manifest, image.mediaType);
  return image.manifest;
}
