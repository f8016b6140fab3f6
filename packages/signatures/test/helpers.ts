import { RegistryClient, type RegistryClientOptions } from '@signet/registry';

export const USER = 'ci-bot';
export const PASSWORD = 'pw-' + 'signet';
export const creds = { username: USER, password: PASSWORD };

/** A client for a test registry (or a proxy in front of one); never reads the developer's own Docker config. */
export function clientFor(target: { url: string }, extra: Partial<RegistryClientOptions> = {}): RegistryClient {
  return new RegistryClient({ name: 'test', url: target.url, insecure: true, dockerConfig: false, retryBaseMs: 20, ...extra });
}
