import type { Command } from 'commander';
import { formatImageReference, isIndexMediaType, repositoryName, signatureTag, type ImageReference } from '@signet/oci';
import { parseImageIndex, type RegistryClient } from '@signet/registry';
import { SignatureStore, signDigest, signedIdentity } from '@signet/signatures';
import { CliError, EXIT_USAGE } from './cli-error';
import { addSigningScriptFlags } from './cosign-flags';
import { registerVerifyCommand } from './verify';
import { collectAnnotation, describeRegistryError, imageArgument, imageCommand, type RegistryFlags } from './registry-options';
import { withRegistryClient } from './registry-session';
import { loadSigningKey } from './signing-key';

interface SignFlags extends RegistryFlags {
  key: string;
  annotations?: Record<string, string>;
  recursive: boolean;
  identity: 'tag' | 'repository';
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
  const key = await loadSigningKey(flags.key);
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
          'private key (cosign.key, env://VAR, or a pkcs11: URI whose PIN is in the URI, COSIGN_PKCS11_PIN or asked on a terminal); password from COSIGN_PASSWORD, a terminal prompt or piped stdin',
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
