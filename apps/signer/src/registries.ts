import type { RegistryConfig } from '@signet/config';
import { RedisRequestBudget, RegistryClient, SignatureStore } from '@signet/registry';
import type { Redis } from 'ioredis';
import type { SignerRegistry } from './process-push';

/**
 * One client and signature store per configured registry. Requests only ever go to the configured URL:
 * an event names a registry by its config name, never by a host.
 */
export function signerRegistries(configs: readonly RegistryConfig[], opts: { redis?: Redis; prefix: string }): Map<string, SignerRegistry> {
  const out = new Map<string, SignerRegistry>();
  for (const r of configs) {
    const budget =
      r.rateLimit && opts.redis
        ? new RedisRequestBudget(opts.redis, { registry: r.name, ...(r.username ? { user: r.username } : {}), ratePerSecond: r.rateLimit.perSecond, burst: r.rateLimit.burst ?? Math.max(1, Math.ceil(r.rateLimit.perSecond)), prefix: opts.prefix })
        : undefined;
    const client = new RegistryClient({
      name: r.name,
      url: r.url,
      ...(r.username !== undefined ? { username: r.username, password: r.password?.reveal() ?? '' } : {}),
      insecure: r.url.startsWith('http://'),
      maxConcurrency: r.maxConcurrency,
      retries: r.retries,
      timeoutMs: r.timeout,
      dockerConfig: false,
      ...(budget ? { budget } : {}),
    });
    // Bundles are not read: the duplicate rule only concerns simple-signing layers of the .sig tag.
    out.set(r.name, { name: r.name, host: r.host, client, store: new SignatureStore(client, { bundles: false }) });
  }
  return out;
}
