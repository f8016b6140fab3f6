import { join } from 'node:path';
import type { Command } from 'commander';
import { DOCKER_HUB_INDEX, parseImageReference, type ImageReference } from '@signet/oci';
import { RegistryClient, RegistryError } from '@signet/registry';
import { CliError, EXIT_USAGE } from './cli-error';

/** Flags every registry-facing command shares. */
export interface RegistryFlags {
  registryUsername?: string;
  registryPassword?: string;
  allowInsecureRegistry?: boolean;
  registryAuthRealm?: string[];
  registryRedirectOrigin?: string[];
}

const repeatable = (value: string, previous: string[] = []) => [...previous, value];

export function addRegistryOptions(cmd: Command): Command {
  return cmd
    .option(
      '--registry-username <user>',
      'registry username (else SIGNET_REGISTRY_USERNAME, else ~/.docker/config.json and its credential helpers)',
    )
    .option('--registry-password <password>', 'registry password (else SIGNET_REGISTRY_PASSWORD)')
    .option('--allow-insecure-registry', 'talk plain http to the registry', false)
    .option(
      '--registry-auth-realm <origin>',
      "https token service off the registry's origin that may receive the credentials (repeatable; as registries[].authRealms)",
      repeatable,
    )
    .option(
      '--registry-redirect-origin <origin>',
      'https storage origin blob downloads may be redirected to (repeatable; as registries[].redirectOrigins)',
      repeatable,
    );
}

/**
 * A command on one image (`signet sign`, `signet verify`): the `<image>` argument, the command's own options
 * (listed first in its help), then the registry flags.
 */
export function imageCommand(program: Command, name: string, description: string, options: (cmd: Command) => Command): Command {
  return addRegistryOptions(
    options(program.command(name).description(description).argument('<image>', 'image reference: host/repo:tag or host/repo@sha256:...')),
  );
}

/** Parses an image reference given on the command line; a bad one is a usage error. */
export function imageArgument(input: string): ImageReference {
  try {
    // Docker Hub as cosign names it (`index.docker.io`), the identity signatures claim.
    return parseImageReference(input, { dockerHub: DOCKER_HUB_INDEX });
  } catch (err) {
    throw new CliError(err instanceof Error ? err.message : String(err), EXIT_USAGE, { cause: err });
  }
}

/** A client for the reference's registry: credentials from flags, then the environment, then Docker's config. */
export function registryClientFor(
  ref: ImageReference,
  flags: RegistryFlags,
  env: Readonly<Record<string, string | undefined>>,
): RegistryClient {
  const username = flags.registryUsername ?? env.SIGNET_REGISTRY_USERNAME;
  const password = flags.registryPassword ?? env.SIGNET_REGISTRY_PASSWORD;
  const host = ref.registry === 'index.docker.io' ? 'registry-1.docker.io' : ref.registry;
  try {
    return new RegistryClient({
      name: ref.registry,
      url: `${flags.allowInsecureRegistry ? 'http' : 'https'}://${host}`,
      insecure: flags.allowInsecureRegistry ?? false,
      ...(username !== undefined ? { username, password: password ?? '' } : {}),
      ...(env.DOCKER_CONFIG ? { dockerConfig: join(env.DOCKER_CONFIG, 'config.json') } : {}),
      ...(flags.registryAuthRealm ? { authRealms: flags.registryAuthRealm } : {}),
      ...(flags.registryRedirectOrigin ? { redirectOrigins: flags.registryRedirectOrigin } : {}),
    });
  } catch (err) {
    // A bad origin flag (or registry address) is a usage error, not a registry failure.
    if (err instanceof RegistryError && err.code === 'CONFIG_INVALID') throw new CliError(err.message, EXIT_USAGE, { cause: err });
    throw err;
  }
}

/** `-a key=value`, repeatable; like cosign, one value may hold several comma-separated pairs. */
export function collectAnnotation(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const out = { ...previous };
  for (const pair of value.split(',')) {
    const i = pair.indexOf('=');
    if (i <= 0) throw new CliError(`annotation "${pair}" is not key=value`, EXIT_USAGE);
    out[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return out;
}

/** Registry failures become one actionable line; anything else propagates. */
export function describeRegistryError(err: unknown, what: string): never {
  if (err instanceof RegistryError) {
    throw new CliError(`${what}: ${err.message} [${err.code}]`, 1, { cause: err });
  }
  throw err;
}
