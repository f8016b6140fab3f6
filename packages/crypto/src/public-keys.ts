import { readFile } from 'node:fs/promises';
import type { KeyObject } from 'node:crypto';
import { MalformedKeyFileError } from './errors';
import { fingerprintOf, parsePublicKeyPem, type KeyFingerprint } from './keys';
import { verifyBytes } from './signature';

export interface TrustedKey {
  key: KeyObject;
  fingerprint: KeyFingerprint;
  /** Where the key came from (file path or a caller-given label), for messages. */
  source: string;
}

/** Several trusted public keys, so old and new keys verify side by side during rotation. */
export class PublicKeySet {
  readonly keys: readonly TrustedKey[];

  constructor(keys: readonly TrustedKey[]) {
    this.keys = keys;
  }

  static fromKeyObjects(keys: readonly KeyObject[], source = 'inline'): PublicKeySet {
    return new PublicKeySet(keys.map((key, i) => ({ key, fingerprint: fingerprintOf(key), source: `${source}[${i}]` })));
  }

  static fromPems(pems: readonly { pem: string; source: string }[]): PublicKeySet {
    return new PublicKeySet(
      pems.map(({ pem, source }) => {
        try {
          const key = parsePublicKeyPem(pem);
          return { key, fingerprint: fingerprintOf(key), source };
        } catch (cause) {
          throw new MalformedKeyFileError(`${source}: not a usable public key`, { cause });
        }
      }),
    );
  }

  /** The first key under which `signature` verifies over `data`, if any. */
  findSigner(data: Uint8Array, signature: Uint8Array): TrustedKey | undefined {
    return this.keys.find((k) => verifyBytes(k.key, data, signature));
  }
}

export async function loadPublicKeys(paths: readonly string[]): Promise<PublicKeySet> {
  const pems = await Promise.all(paths.map(async (source) => ({ pem: await readFile(source, 'utf8'), source })));
  return PublicKeySet.fromPems(pems);
}
