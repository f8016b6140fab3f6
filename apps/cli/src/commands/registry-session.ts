import type { ImageReference } from '@signet/oci';
import type { RegistryClient } from '@signet/registry';
import { registryClientFor, type RegistryFlags } from './registry-options';

/**
 * Runs `use` with `client` and closes the client when `use` settles, success or failure, so no open connection
 * keeps the command's process alive.
 */
export async function closingRegistryClient<T>(client: RegistryClient, use: (client: RegistryClient) => Promise<T>): Promise<T> {
  try {
    return await use(client);
  } finally {
    await client.close();
  }
}

/** Runs `use` with a client for the reference's registry (see registryClientFor), closed when `use` settles. */
export async function withRegistryClient<T>(
  ref: ImageReference,
  flags: RegistryFlags,
  use: (client: RegistryClient) => Promise<T>,
): Promise<T> {
  return closingRegistryClient(registryClientFor(ref, flags, process.env), use);
}
