import type { RegistryConfig } from '@signet/config';
import type { RequestBudget } from './budget';
import { RegistryClient } from './client';

export interface ClientFromConfigOptions {
  /**
   * The request budget for a registry, shared by every replica (e.g. `redisRequestBudgets` of @signet/queue);
   * called once per client, `undefined` for none.
   */
  budget?: (registry: RegistryConfig) => RequestBudget | undefined;
}

/**
 * The client for one configured registry, as every service builds it: the configured URL only (never a host
 * from an event), configured credentials only (no docker config), sent to no origin but the registry's and
 * its configured `authRealms`, and the shared request budget when one is given.
 */
export function registryClientFromConfig(r: RegistryConfig, opts: ClientFromConfigOptions = {}): RegistryClient {
  const budget = opts.budget?.(r);
  return new RegistryClient({
    name: r.name,
    url: r.url,
    // The Secret itself, not its value: one read from a file follows the file as the token rotates.
    ...(r.username !== undefined ? { username: r.username, password: r.password ?? '' } : {}),
    insecure: r.url.startsWith('http://'),
    maxConcurrency: r.maxConcurrency,
    retries: r.retries,
    timeoutMs: r.timeout,
    dockerConfig: false,
    ...(r.authRealms ? { authRealms: r.authRealms } : {}),
    ...(r.redirectOrigins ? { redirectOrigins: r.redirectOrigins } : {}),
    ...(budget ? { budget } : {}),
  });
}
