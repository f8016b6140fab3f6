import { readFileSync } from 'node:fs';
import { sharedDir } from '@signet/testing';
import path from 'node:path';

/** Fixtures beside the checkout, or the copy in testdata/. */
export const SHARED_DIR = sharedDir();
export const COSIGN_FIXTURES = path.join(SHARED_DIR, 'fixtures/cosign');

export const fixturePath = (relative: string): string => path.join(COSIGN_FIXTURES, relative);
export const readFixture = (relative: string): Buffer => readFileSync(fixturePath(relative));
export const readFixtureText = (relative: string): string => readFixture(relative).toString('utf8');
export const readShared = (relative: string): Buffer => readFileSync(path.join(SHARED_DIR, relative));

export interface DiskSignatureLayer {
  mediaType: string;
  payload: Buffer;
  annotations: Record<string, string>;
}

/** containers/image `dir:` signature file: 0x00 "sigstore-json" LF, then {mimeType, payload, annotations}. */
export function readDiskSignature(relative: string): DiskSignatureLayer {
  const bytes = readFixture(relative);
  const prefix = Buffer.from('\0sigstore-json\n', 'latin1');
  if (!bytes.subarray(0, prefix.length).equals(prefix)) throw new Error(`${relative}: not a sigstore-json signature`);
  const doc = JSON.parse(bytes.subarray(prefix.length).toString('utf8')) as {
    mimeType: string;
    payload: string;
    annotations: Record<string, string>;
  };
  return { mediaType: doc.mimeType, payload: Buffer.from(doc.payload, 'base64'), annotations: doc.annotations };
}
