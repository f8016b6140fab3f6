import type { RegistryConfig } from '@signet/config';
import { redisRequestBudgets } from '@signet/queue';
import { registryClientFromConfig } from '@signet/registry';
import { SignatureStore } from '@signet/signatures';
import type { Redis } from 'ioredis';
import type { SignerRegistry } from './process-push';

/**
 * One client and signature store per configured registry. Requests only ever go to the configured URL:
 * an event names a registry by its config name, never by a host.
 */
export function signerRegistries(
  configs: readonly RegistryConfig[],
  opts: { redis?: Redis; prefix: string; layout?: 'sig' | 'bundle' },
): Map<string, SignerRegistry> {
  const out = new Map<string, SignerRegistry>();
  for (const r of configs) {
    const client = registryClientFromConfig(r, { budget: opts.redis && redisRequestBudgets(opts.redis, opts.prefix) });
    // The bundle layout reads existing bundles to skip a digest already signed that way.
    out.set(r.name, { name: r.name, host: r.host, client, store: new SignatureStore(client, { bundles: opts.layout === 'bundle' }) });
  }
  return out;
}
