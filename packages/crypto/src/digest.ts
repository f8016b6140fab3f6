import { createHash } from 'node:crypto';
import { isDigest } from '@signet/oci';

/** Media type of a cosign signature layer (the blob is the simple-signing payload). */
export const SIMPLESIGNING_MEDIA_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';
/** Layer annotation holding the base64 signature. */
export const SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
/** Value of `critical.type` in every cosign payload. */
export const COSIGN_SIGNATURE_TYPE = 'cosign container image signature';

export { isDigest };

/** `sha256:<hex>` of the exact bytes, as registries compute manifest and blob digests. */
export function digestOf(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** The tag cosign and containers/image use for a digest's signatures: `sha256-<hex>.sig`. */
export function sigTagFor(digest: string): string {
  if (!isDigest(digest)) throw new TypeError(`not a digest: ${digest}`);
  return `${digest.replace(':', '-')}.sig`;
}
