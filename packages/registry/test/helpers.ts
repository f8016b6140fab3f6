import { RegistryClient, type RegistryClientOptions } from '../src';
import type { RegistryServer } from '@signet/testing';

export const USER = 'ci-bot';
export const PASSWORD = 'pw-' + 'signet';
export const creds = { username: USER, password: PASSWORD };

/** A client for a test registry; never reads the developer's own Docker config. */
export function clientFor(registry: RegistryServer | { url: string }, extra: Partial<RegistryClientOptions> = {}): RegistryClient {
  return new RegistryClient({ name: 'test', url: registry.url, insecure: true, dockerConfig: false, retryBaseMs: 20, ...extra });
}

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
