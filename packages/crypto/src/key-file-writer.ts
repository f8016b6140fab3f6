import { randomBytes } from 'node:crypto';
import { link, lstat, open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { KeyFileExistsError, KeyFileSymlinkError } from './errors';
import type { CosignKeyFiles } from './key-pair';

/** Modes cosign gives its files; set on the new file itself, so the umask and any old file's mode do not matter. */
export const PRIVATE_KEY_FILE_MODE = 0o600;
export const PUBLIC_KEY_FILE_MODE = 0o644;

export interface KeyFileWriteOptions {
  mode: number;
  /** Replace an existing regular file; otherwise an existing path is refused. */
  overwrite: boolean;
}

const isCode = (err: unknown, code: string): boolean => err instanceof Error && 'code' in err && err.code === code;

/**
 * Refuses a path the writer would refuse, before any work (a password prompt, scrypt) is spent on it. lstat,
 * not stat: a link is judged as a link, not as the file it names.
 */
export async function checkKeyFileTarget(file: string, overwrite: boolean): Promise<void> {
  const entry = await lstat(file).catch((err: unknown) => {
    if (isCode(err, 'ENOENT')) return undefined;
    throw err;
  });
  if (entry?.isSymbolicLink()) throw new KeyFileSymlinkError(file);
  if (entry && !overwrite) throw new KeyFileExistsError(file);
}

/**
 * Writes a whole new file and puts it in place, never writing into an existing one: a reader that opened the
 * old file (perhaps while it was 0644) keeps the old bytes, a hard link elsewhere keeps the old bytes, and the
 * secret is never on disk under a wider mode than `mode`. The temporary file is created 0600 with O_EXCL, so
 * it cannot be a file or link planted beside the target. rename(2) and link(2) replace or create the name
 * itself and never follow a link there, so a link that appears after the check is replaced (with overwrite) or
 * makes the write fail; the check exists for a clear error, not for safety.
 */
export async function writeKeyFile(file: string, contents: string | Uint8Array, options: KeyFileWriteOptions): Promise<void> {
  await checkKeyFileTarget(file, options.overwrite);
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(8).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', 0o600);
  let placed = false;
  try {
    try {
      await handle.writeFile(contents);
      await handle.chmod(options.mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (options.overwrite) {
      await rename(temp, file);
      placed = true;
    } else {
      // link(2) fails if the name exists in any form, so nothing that appeared since the check is replaced.
      await link(temp, file).catch((err: unknown) => {
        throw isCode(err, 'EEXIST') ? new KeyFileExistsError(file, { cause: err }) : err;
      });
    }
  } finally {
    if (!placed) await unlink(temp).catch(() => undefined);
  }
}

/** `<prefix>.key` (0600) and `<prefix>.pub` (0644); both paths are checked before either is written. */
export async function writeCosignKeyFiles(
  prefix: string,
  files: CosignKeyFiles,
  options: { overwrite: boolean },
): Promise<{ privateKeyPath: string; publicKeyPath: string }> {
  const privateKeyPath = `${prefix}.key`;
  const publicKeyPath = `${prefix}.pub`;
  for (const file of [privateKeyPath, publicKeyPath]) await checkKeyFileTarget(file, options.overwrite);
  await writeKeyFile(privateKeyPath, files.privateKeyPem, { mode: PRIVATE_KEY_FILE_MODE, overwrite: options.overwrite });
  await writeKeyFile(publicKeyPath, files.publicKeyPem, { mode: PUBLIC_KEY_FILE_MODE, overwrite: options.overwrite });
  return { privateKeyPath, publicKeyPath };
}
