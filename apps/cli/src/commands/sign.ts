import type { Command } from 'commander';
import { isCryptoError, type SigningKey } from '@signet/crypto';
import { keyProviderFromRef } from '@signet/keys';
import { formatImageReference, isIndexMediaType, repositoryName, signatureTag, type ImageReference } from '@signet/oci';
import { parseImageIndex, type RegistryClient } from '@signet/registry';
import { SignatureStore, signDigest, signedIdentity } from '@signet/signatures';
import { CliError, EXIT_USAGE } from './cli-error';
import { addSigningScriptFlags } from './cosign-flags';
import { registerVerifyCommand } from './verify';
import { processPasswordContext, readPassword } from './password';
import { collectAnnotation, describeRegistryError, imageArgument, imageCommand, type RegistryFlags } from './registry-options';
import { withRegistryClient } from './registry-session';

interface SignFlags extends RegistryFlags {
  key: string;
  annotations?: Record<string, string>;
  recursive: boolean;
  identity: 'tag' | 'repository';
}

async function loadKey(ref: string): Promise<SigningKey> {
  const ctx = processPasswordContext();
  const provider = keyProviderFromRef(ref, {
    env: ctx.env,
    password: () => readPassword(ctx, { confirm: false, purpose: `decrypt ${ref}` }),
  });
  try {
    return await provider.load();
  } catch (err) {
    if (isCryptoError(err) && err.code === 'WRONG_PASSWORD') throw new CliError(`wrong password for private key ${ref}`, 1, { cause: err });
    if (isCryptoError(err)) throw new CliError(`${ref}: ${err.message}`, 1, { cause: err });
    if (err instanceof Error && 'code' in err && err.code === 'ENOENT')
      throw new CliError(`cannot read ${ref}: no such file`, 1, { cause: err });
    throw err;
  }
}

/** The digests to sign: the reference's (a tag resolved by GET and verified), plus an index's children with --recursive. */
async function digestsToSign(client: RegistryClient, ref: ImageReference, recursive: boolean): Promise<string[]> {
  const target = ref.digest ?? ref.tag ?? 'latest';
  if (ref.digest && !recursive) {
    // As cosign: a digest is signed even when the registry does not (yet) hold it.
    await client.findManifest(ref.repository, ref.digest);
    return [ref.digest];
  }
  const manifest = await client.getManifest(ref.repository, target);
  if (!recursive || !isIndexMediaType(manifest.mediaType)) return [manifest.digest];
  const children = parseImageIndex(manifest.bytes).manifests.map((m) => m.digest);
  return [manifest.digest, ...children];
}

async function runSign(image: string, flags: SignFlags): Promise<void> {
  const ref = imageArgument(image);
  const key = await loadKey(flags.key);
  await withRegistryClient(ref, flags, async (client) => {
    const store = new SignatureStore(client);
    const digests = await digestsToSign(client, ref, flags.recursive).catch((e: unknown) => describeRegistryError(e, `resolve ${image}`));
    const dockerReference = signedIdentity(ref, flags.identity);
    for (const digest of digests) {
      const where = `${repositoryName(ref)}:${signatureTag(digest)}`;
      const result = await signDigest(store, key, {
        repository: ref.repository,
        digest,
        dockerReference,
        ...(flags.annotations ? { annotations: flags.annotations } : {}),
      }).catch((e: unknown) => describeRegistryError(e, `store the signature of ${digest}`));
      const note = result.status === 'appended' ? 'Pushed signature to' : 'Already signed by this key:';
      process.stderr.write(`${note} ${where}\n`);
    }
    process.stderr.write(`Signed ${formatImageReference({ ...ref, digest: digests[0] })} as ${dockerReference}\n`);
  });
}

export function registerSignCommand(program: Command): void {
  const cmd = imageCommand(
    program,
    'sign',
    'sign an image digest with a cosign key and store the signature in the registry (sha256-<hex>.sig)',
    (c) =>
      c
        .requiredOption(
          '--key <path>',
          'private key (cosign.key, env://VAR, or a pkcs11: URI whose PIN is in the URI or COSIGN_PKCS11_PIN); password from COSIGN_PASSWORD, a terminal prompt or piped stdin',
        )
        .option('-a, --annotations <key=value>', 'extra claim in the payload\'s "optional" (repeatable)', collectAnnotation)
        .option('-r, --recursive', 'for an index, also sign every child manifest', false)
        .option('--identity <mode>', 'docker-reference claimed: "tag" (host/repo:tag when given a tag) or "repository" (host/repo)', 'tag'),
  );
  addSigningScriptFlags(cmd).action(async (image: string, flags: SignFlags) => {
    if (flags.identity !== 'tag' && flags.identity !== 'repository')
      throw new CliError('--identity must be "tag" or "repository"', EXIT_USAGE);
    await runSign(image, flags);
  });
}

/** Registers `signet sign` and `signet verify`. */
export function registerSignCommands(program: Command): void {
  registerSignCommand(program);
  registerVerifyCommand(program);
}
