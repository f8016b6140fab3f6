import type { RegistryConfig } from '@signet/config';
import type { Cluster, Redis } from 'ioredis';
import { RedisRequestBudget } from './budget';
import { RegistryClient } from './client';

export interface ClientFromConfigOptions {
  /** Redis for the request budget shared by every replica (used when the registry has `rateLimit`). */
  redis?: Redis | Cluster;
  /** Key prefix for the budget (the BullMQ prefix, a Cluster hash tag). */
  prefix?: string;
}

/**
 * The client for one configured registry, as every service builds it: the configured URL only (never a host
 * from an event), configured credentials only (no docker config), sent to no origin but the registry's and
 * its configured `authRealms`, and the shared request budget when `rateLimit` is set.
 */
export function registryClientFromConfig(r: RegistryConfig, opts: ClientFromConfigOptions = {}): RegistryClient {
  const budget =
    r.rateLimit && opts.redis
      ? new RedisRequestBudget(opts.redis as Redis, {
          registry: r.name,
          ...(r.username ? { user: r.username } : {}),
          ratePerSecond: r.rateLimit.perSecond,
          burst: r.rateLimit.burst ?? Math.max(1, Math.ceil(r.rateLimit.perSecond)),
          ...(opts.prefix ? { prefix: opts.prefix } : {}),
        })
      : undefined;
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
