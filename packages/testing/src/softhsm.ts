import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { generateKeyPairSync } from 'node:crypto';
import { MissingBinaryError, makeTempDir, removeDir, requireBinary } from './process';

const run = promisify(execFile);

/** Where Debian's softhsm2 puts the module (the first path) and where other layouts do. */
const MODULE_PATHS = [
  '/usr/lib/softhsm/libsofthsm2.so',
  '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/lib64/softhsm/libsofthsm2.so',
  '/usr/local/lib/softhsm/libsofthsm2.so',
];

export interface SoftHsmKey {
  /** PKIX PEM of the key's public half, as `cosign public-key` prints it. */
  publicKeyPem: string;
  label: string;
  /** CKA_ID as hex. */
  id: string;
}

export interface SoftHsm {
  /** The PKCS#11 module to load (`module-path`). */
  modulePath: string;
  /** This SoftHSM's configuration; give it to child processes as SOFTHSM2_CONF. */
  conf: string;
  env: { SOFTHSM2_CONF: string };
  tokenDir: string;
  /** `pkcs11:<path>?module-path=<this module><query>`: a cosign key URI on this SoftHSM (`query` starts with `&`). */
  uri(path: string, query?: string): string;
  /** Initialises a token in the first free slot; returns its slot id. */
  initToken(label: string, pins: { pin: string; soPin?: string }): Promise<number>;
  /** Generates a P-256 key and imports it into the token (private and public objects, same label and id). */
  importP256Key(token: string, pin: string, key: { label: string; id: string }): Promise<SoftHsmKey>;
  /** Takes every token away (as if unplugged) and returns a function that puts them back. */
  removeTokens(): () => void;
  /** Removes the directory and gives back the SOFTHSM2_CONF this process had. */
  teardown(): void;
}

/**
 * A SoftHSM2 with its own configuration and token directory, as cosign's PKCS#11 tests set one up. The module
 * reads SOFTHSM2_CONF when it is initialised, so this process's variable points here until teardown.
 */
export async function startSoftHsm(): Promise<SoftHsm> {
  requireBinary('softhsm2-util', 'softhsm2');
  const modulePath = MODULE_PATHS.find((p) => existsSync(p));
  if (!modulePath) throw new MissingBinaryError('libsofthsm2.so', 'softhsm2');
  const dir = makeTempDir('softhsm');
  const tokenDir = join(dir, 'tokens');
  const conf = join(dir, 'softhsm2.conf');
  mkdirSync(tokenDir);
  writeFileSync(
    conf,
    [`directories.tokendir = ${tokenDir}`, 'objectstore.backend = file', 'log.level = ERROR', 'slots.removable = true', ''].join('\n'),
  );
  const previous = process.env.SOFTHSM2_CONF;
  process.env.SOFTHSM2_CONF = conf;
  const util = (args: string[]) => run('softhsm2-util', args, { env: { ...process.env, SOFTHSM2_CONF: conf } });

  return {
    modulePath,
    conf,
    env: { SOFTHSM2_CONF: conf },
    tokenDir,
    uri: (path, query = '') => `pkcs11:${path}?module-path=${modulePath}${query}`,
    async initToken(label, pins) {
      const { stdout } = await util([
        '--init-token',
        '--free',
        '--label',
        label,
        '--pin',
        pins.pin,
        '--so-pin',
        pins.soPin ?? `${pins.pin}-so`,
      ]);
      const slot = /reassigned to slot (\d+)/.exec(stdout)?.[1];
      if (!slot) throw new Error(`softhsm2-util --init-token did not say the slot: ${stdout}`);
      return Number(slot);
    },
    async importP256Key(token, pin, key) {
      const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      const file = join(dir, `${key.label}-${key.id}.pem`);
      writeFileSync(file, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
      await util(['--import', file, '--token', token, '--label', key.label, '--id', key.id, '--pin', pin]);
      return { ...key, publicKeyPem: pair.publicKey.export({ type: 'spki', format: 'pem' }) as string };
    },
    removeTokens() {
      const away = `${tokenDir}.away`;
      renameSync(tokenDir, away);
      return () => renameSync(away, tokenDir);
    },
    teardown() {
      if (previous === undefined) delete process.env.SOFTHSM2_CONF;
      else process.env.SOFTHSM2_CONF = previous;
      removeDir(dir);
    },
  };
}

/** A SoftHSM2 holding one initialised token with a key on it. */
export interface SoftHsmToken extends SoftHsm {
  slotId: number;
  key: SoftHsmKey;
}

/** `startSoftHsm`, then a token labelled `label` with user PIN `pin`, holding a P-256 key (`importP256Key` adds more). */
export async function startSoftHsmToken(label: string, pin: string, key: { label: string; id: string }): Promise<SoftHsmToken> {
  const hsm = await startSoftHsm();
  try {
    const slotId = await hsm.initToken(label, { pin });
    return { ...hsm, slotId, key: await hsm.importP256Key(label, pin, key) };
  } catch (err) {
    hsm.teardown();
    throw err;
  }
}
