import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import {
  generateCosignKeyPair,
  importCosignKeyPair,
  isCryptoError,
  keyProviderFromRef,
  loadPublicKeys,
  verifyBase64Signature,
  type CosignKeyFiles,
  type SigningKey,
} from '@signet/crypto';
import { CliError } from './cli-error';
import { processPasswordContext, readPassword } from './password';

const exists = (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    () => false,
  );

/** Writes with an explicit mode even when overwriting (the mode of `open` applies only to new files). */
async function writeWithMode(path: string, contents: string | Buffer, mode: number, overwrite: boolean): Promise<void> {
  await writeFile(path, contents, { mode, flag: overwrite ? 'w' : 'wx' });
  await chmod(path, mode);
}

async function writeKeyFiles(prefix: string, files: CosignKeyFiles, force: boolean): Promise<void> {
  await writeWithMode(`${prefix}.key`, files.privateKeyPem, 0o600, force);
  await writeWithMode(`${prefix}.pub`, files.publicKeyPem, 0o644, force);
  process.stderr.write(`Private key written to ${prefix}.key\nPublic key written to ${prefix}.pub\n`);
}

async function refuseOverwrite(prefix: string, force: boolean): Promise<void> {
  if (force) return;
  for (const path of [`${prefix}.key`, `${prefix}.pub`]) {
    if (await exists(path)) throw new CliError(`${path} already exists; use --force to overwrite it`);
  }
}

/** Turns expected crypto failures into one-line user messages; anything else propagates. */
function describeKeyError(err: unknown, keyRef: string): never {
  if (isCryptoError(err)) {
    if (err.code === 'WRONG_PASSWORD') throw new CliError(`wrong password for private key ${keyRef}`, 1, { cause: err });
    throw new CliError(`${keyRef}: ${err.message}`, 1, { cause: err });
  }
  if (err instanceof Error && 'code' in err && err.code === 'ENOENT') {
    throw new CliError(`cannot read ${keyRef}: no such file`, 1, { cause: err });
  }
  throw err;
}

async function loadSigningKey(keyRef: string): Promise<SigningKey> {
  const ctx = processPasswordContext();
  const provider = keyProviderFromRef(keyRef, {
    env: ctx.env,
    password: () => readPassword(ctx, { confirm: false, purpose: `decrypt ${keyRef}` }),
  });
  return provider.load().catch((err: unknown) => describeKeyError(err, keyRef));
}

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
    .option('-f, --force', 'overwrite existing key files', false)
    .action(async (opts: { outputKeyPrefix: string; force: boolean }) => {
      await refuseOverwrite(opts.outputKeyPrefix, opts.force);
      const password = await readPassword(processPasswordContext(), { confirm: true, purpose: 'encrypt the new key' });
      await writeKeyFiles(opts.outputKeyPrefix, await generateCosignKeyPair(password), opts.force);
    });

  program
    .command('import-key-pair')
    .description('Import an unencrypted PEM private key (PKCS#8, EC, RSA, Ed25519) into cosign format')
    .requiredOption('-k, --key <file>', 'unencrypted PEM private key to import')
    .option('--output-key-prefix <prefix>', 'stem of the output files', 'import-cosign')
    .option('-f, --force', 'overwrite existing key files', false)
    .action(async (opts: { key: string; outputKeyPrefix: string; force: boolean }) => {
      const pem = (await readInput(opts.key)).toString('utf8');
      await refuseOverwrite(opts.outputKeyPrefix, opts.force);
      const password = await readPassword(processPasswordContext(), { confirm: true, purpose: 'encrypt the imported key' });
      const files = await importCosignKeyPair(pem, password).catch((err: unknown) => describeKeyError(err, opts.key));
      await writeKeyFiles(opts.outputKeyPrefix, files, opts.force);
    });

  program
    .command('public-key')
    .description('Print or write the public key of a private key')
    .requiredOption('-k, --key <ref>', 'private key: a path, file://path or env://VAR')
    .option('--outfile <file>', 'write the PEM here instead of stdout')
    .action(async (opts: { key: string; outfile?: string }) => {
      const key = await loadSigningKey(opts.key);
      if (opts.outfile) await writeWithMode(opts.outfile, key.publicKeyPem, 0o644, true);
      else process.stdout.write(key.publicKeyPem);
    });

  program
    .command('sign-blob')
    .description('Sign a file and print the base64 signature')
    .requiredOption('-k, --key <ref>', 'private key: a path, file://path or env://VAR')
    .option('--output-signature <file>', 'also write the signature to this file')
    .argument('<file>', 'file to sign')
    .action(async (file: string, opts: { key: string; outputSignature?: string }) => {
      const data = await readInput(file);
      const signature = await (await loadSigningKey(opts.key)).sign(data);
      if (opts.outputSignature) await writeWithMode(opts.outputSignature, signature, 0o644, true);
      process.stdout.write(`${signature}\n`);
    });

  program
    .command('verify-blob')
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
