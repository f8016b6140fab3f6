import { readFile, stat } from 'node:fs/promises';
import type { Command } from 'commander';
import {
  checkKeyFileTarget,
  COMPAT_SCRYPT_PARAMS,
  generateCosignKeyPair,
  importCosignKeyPair,
  KeyFileExistsError,
  KeyFileSymlinkError,
  loadPublicKeys,
  PUBLIC_KEY_FILE_MODE,
  verifyBase64Signature,
  writeCosignKeyFiles,
  writeKeyFile,
  type CosignKeyFiles,
  type EncryptOptions,
} from '@signet/crypto';
import { CliError } from './cli-error';
import { addSigningScriptFlags, addVerifyingScriptFlags } from './cosign-flags';
import { processPasswordContext, readPassword } from './password';
import { describeKeyError, loadSigningKey } from './signing-key';

const exists = (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    () => false,
  );

/** The writer's refusals as one-line messages; `option` names the flag that chooses the path. */
function describeWriteError(err: unknown, what: string, option: string): never {
  if (err instanceof KeyFileSymlinkError) {
    throw new CliError(`${err.path} is a symbolic link; refusing to write ${what} through it (remove it or choose another ${option})`, 1, {
      cause: err,
    });
  }
  if (err instanceof KeyFileExistsError) throw new CliError(`${err.path} already exists; use --force to overwrite it`, 1, { cause: err });
  throw err;
}

async function writeKeyFiles(prefix: string, files: CosignKeyFiles, force: boolean): Promise<void> {
  const written = await writeCosignKeyFiles(prefix, files, { overwrite: force }).catch((err: unknown) =>
    describeWriteError(err, 'a key file', '--output-key-prefix'),
  );
  process.stderr.write(`Private key written to ${written.privateKeyPath}\nPublic key written to ${written.publicKeyPath}\n`);
}

/** Refuses a link or (without --force) an existing file before asking for a password. */
async function checkKeyFileTargets(prefix: string, force: boolean): Promise<void> {
  for (const path of [`${prefix}.key`, `${prefix}.pub`]) {
    await checkKeyFileTarget(path, force).catch((err: unknown) => describeWriteError(err, 'a key file', '--output-key-prefix'));
  }
}

async function writeOutputFile(path: string, contents: string, what: string, option: string): Promise<void> {
  await writeKeyFile(path, contents, { mode: PUBLIC_KEY_FILE_MODE, overwrite: true }).catch((err: unknown) =>
    describeWriteError(err, what, option),
  );
}

const PRIVATE_KEY_HELP = 'private key: a path, file://path, env://VAR or a pkcs11: URI (see signet pkcs11 list-keys)';
const KDF_COMPAT_HELP =
  'encrypt with scrypt N=32768, which containers/image before 5.29 (skopeo <= 1.13, podman 4.x) needs to sign with the key';
const encryptOptions = (opts: { kdfCompat: boolean }): EncryptOptions => (opts.kdfCompat ? { params: COMPAT_SCRYPT_PARAMS } : {});

async function readInput(path: string): Promise<Buffer> {
  return readFile(path).catch((cause: unknown) => {
    throw new CliError(`cannot read ${path}`, 1, { cause });
  });
}

/** `--signature` is a file path when such a file exists, else the base64 text itself. */
async function readSignatureArg(value: string): Promise<string> {
  return (await exists(value)) ? (await readFile(value, 'utf8')).trim() : value;
}

export function registerKeyCommands(program: Command): void {
  program
    .command('generate-key-pair')
    .description('Generate an ECDSA P-256 key pair in cosign format (<prefix>.key encrypted, <prefix>.pub)')
    .option('--output-key-prefix <prefix>', 'stem of the output files', 'cosign')
    .option('-f, --force', 'replace existing key files (never writes through a symbolic link)', false)
    .option('--kdf-compat', KDF_COMPAT_HELP, false)
    .action(async (opts: { outputKeyPrefix: string; force: boolean; kdfCompat: boolean }) => {
      await checkKeyFileTargets(opts.outputKeyPrefix, opts.force);
      const password = await readPassword(processPasswordContext(), { confirm: true, purpose: 'encrypt the new key' });
      await writeKeyFiles(opts.outputKeyPrefix, await generateCosignKeyPair(password, encryptOptions(opts)), opts.force);
    });

  program
    .command('import-key-pair')
    .description('Import an unencrypted PEM private key (PKCS#8, EC, RSA, Ed25519) into cosign format')
    .requiredOption('-k, --key <file>', 'unencrypted PEM private key to import')
    .option('--output-key-prefix <prefix>', 'stem of the output files', 'import-cosign')
    .option('-f, --force', 'replace existing key files (never writes through a symbolic link)', false)
    .option('--kdf-compat', KDF_COMPAT_HELP, false)
    .action(async (opts: { key: string; outputKeyPrefix: string; force: boolean; kdfCompat: boolean }) => {
      const pem = (await readInput(opts.key)).toString('utf8');
      await checkKeyFileTargets(opts.outputKeyPrefix, opts.force);
      const password = await readPassword(processPasswordContext(), { confirm: true, purpose: 'encrypt the imported key' });
      const files = await importCosignKeyPair(pem, password, encryptOptions(opts)).catch((err: unknown) => describeKeyError(err, opts.key));
      await writeKeyFiles(opts.outputKeyPrefix, files, opts.force);
    });

  program
    .command('public-key')
    .description('Print or write the public key of a private key')
    .requiredOption('-k, --key <ref>', PRIVATE_KEY_HELP)
    .option('--outfile <file>', 'write the PEM here instead of stdout')
    .action(async (opts: { key: string; outfile?: string }) => {
      const key = await loadSigningKey(opts.key);
      if (opts.outfile) await writeOutputFile(opts.outfile, key.publicKeyPem, 'a key file', '--outfile');
      else process.stdout.write(key.publicKeyPem);
    });

  addSigningScriptFlags(program.command('sign-blob'))
    .description('Sign a file and print the base64 signature')
    .requiredOption('-k, --key <ref>', PRIVATE_KEY_HELP)
    .option('--output-signature <file>', 'also write the signature to this file')
    .argument('<file>', 'file to sign')
    .action(async (file: string, opts: { key: string; outputSignature?: string }) => {
      const data = await readInput(file);
      const signature = await (await loadSigningKey(opts.key)).sign(data);
      if (opts.outputSignature) await writeOutputFile(opts.outputSignature, signature, 'the signature', '--output-signature');
      process.stdout.write(`${signature}\n`);
    });

  addVerifyingScriptFlags(program.command('verify-blob'))
    .description('Verify a signature over a file with a public key')
    .requiredOption('-k, --key <file>', 'public key PEM')
    .requiredOption('--signature <sig>', 'signature file, or the base64 signature itself')
    .argument('<file>', 'file that was signed')
    .action(async (file: string, opts: { key: string; signature: string }) => {
      const keys = await loadPublicKeys([opts.key]).catch((err: unknown) => describeKeyError(err, opts.key));
      const [data, signature] = await Promise.all([readInput(file), readSignatureArg(opts.signature)]);
      const trusted = keys.keys[0];
      if (!trusted || !verifyBase64Signature(trusted.key, data, signature)) {
        throw new CliError(`signature does not verify: ${file} was not signed by ${opts.key}, or was changed`);
      }
      process.stdout.write('Verified OK\n');
    });
}
