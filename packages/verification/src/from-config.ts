import type { SignetConfig } from '@signet/config';
import { loadPublicKeys } from '@signet/crypto';
import type { Logger } from '@signet/observability';
import { registryAccess, type RegistryAccess } from './check/registry-access';
import { RepositoryKeys } from './check/repository-keys';
import { signatureWindows } from './check/signature-windows';
import type { VerifierContext } from './check/check-tag';
import type { VerifierMetrics } from './metrics';
import { TagStore, type RedisClient, type TagStateStore } from './state/store';

/** Decisions only matter during the grace period; keep them a while longer than that. */
export const decisionTtl = (gracePeriodMs: number) => Math.max(gracePeriodMs * 4, 3_600_000);

export interface FromConfigOptions {
  config: SignetConfig;
  /** Redis for the shared state, or a store of its own (memory for a stateless scan). */
  redis: RedisClient | { store: TagStateStore };
  metrics: VerifierMetrics;
  logger?: Logger;
  /** Only these registries (CLI `--registry`). */
  registries?: string[];
  scheduleRecheck?: VerifierContext['scheduleRecheck'];
}

/**
 * Builds what every check needs from the configuration: the trusted and revoked keys, one registry client per
 * registry (only those named, for the CLI's `--registry`), the state store, and the judging settings.
 */
export async function createVerifierContext(opts: FromConfigOptions): Promise<VerifierContext> {
  const verifier = opts.config.verifier;
  if (!verifier) throw new Error('the verifier section is missing from the configuration');
  const rules = await Promise.all(
    verifier.repositoryKeys.map(async (r) => ({ registry: r.registry, repositories: r.repositories, keys: await loadPublicKeys(r.keys) })),
  );
  const keys = new RepositoryKeys(await loadPublicKeys(verifier.keys), rules, await loadPublicKeys(verifier.revokedKeys));
  const registries = new Map<string, RegistryAccess>();
  // The request budget is shared with the signer through Redis when the registry has a rateLimit.
  const redis = 'store' in opts.redis ? undefined : opts.redis;
  for (const r of opts.config.registries) {
    if (!opts.registries || opts.registries.includes(r.name))
      registries.set(r.name, registryAccess(r, { redis, prefix: opts.config.redis.prefix, signatureLimits: verifier.signatureLimits }));
  }
  return {
    store: 'store' in opts.redis ? opts.redis.store : new TagStore(opts.redis, opts.config.redis.prefix),
    registries,
    keys,
    metrics: opts.metrics,
    judge: { gracePeriodMs: verifier.gracePeriod, historyLength: verifier.historyLength },
    decisionTtlMs: decisionTtl(verifier.gracePeriod),
    tagConcurrency: verifier.rescan.tagConcurrency,
    ...(verifier.signatureWindows.length > 0 ? { signatureWindow: signatureWindows(verifier.signatureWindows) } : {}),
    lookAgainMs: verifier.lookAgain,
    tombstoneTtlMs: verifier.tombstoneTtl,
    now: Date.now,
    ...(opts.logger ? { logger: opts.logger } : {}),
    ...(opts.scheduleRecheck ? { scheduleRecheck: opts.scheduleRecheck } : {}),
  };
}

/** Closes the registry clients a context opened (the store's Redis connection belongs to the caller). */
export async function closeContext(ctx: VerifierContext): Promise<void> {
  await Promise.all([...ctx.registries.values()].map((r) => r.close()));
}
