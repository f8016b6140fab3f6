import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Paths of a key pair written as cosign writes one. */
export interface KeyPairFiles {
  /** `<name>.key`, mode 0600. */
  key: string;
  /** `<name>.pub`. */
  pub: string;
}

/**
 * Writes `<name>.key` and `<name>.pub` in `dir`. The caller generates the PEMs (`generateCosignKeyPair`): the
 * crypto package's own tests use these helpers, so they cannot depend on it.
 */
export function writeKeyPair(dir: string, name: string, pems: { privateKeyPem: string; publicKeyPem: string }): KeyPairFiles {
  const files = { key: join(dir, `${name}.key`), pub: join(dir, `${name}.pub`) };
  writeFileSync(files.key, pems.privateKeyPem, { mode: 0o600 });
  writeFileSync(files.pub, pems.publicKeyPem);
  return files;
}
