import type { Cluster, Redis } from 'ioredis';
import type { RegistryConfig } from '@signet/config';
import { redisRequestBudgets } from '@signet/queue';
import { isMissing, isRegistryError, registryClientFromConfig } from '@signet/registry';
import { SignatureStore, type SignatureLimits } from '@signet/signatures';
import type { FoundSignatures } from './signatures';

/** What the verifier needs from one registry; tag lookups answer `undefined` for "does not exist". */
export interface RegistryAccess {
  /** Config name (the `registry` label). */
  readonly name: string;
  /** Host used in image references and signature identities. */
  readonly host: string;
  /** `registries[].repositories`: scanned whatever the catalog says (the only list where it is off). */
  readonly configuredRepositories: readonly string[];
  /** The registry's `_catalog`, following pagination; throws what the registry answered when it offers none. */
  catalog(): AsyncIterable<string>;
  /** Every tag, following pagination; `undefined` when the repository does not exist. */
  tags(repository: string): Promise<string[] | undefined>;
  /** The digest a tag points to (HEAD), or `undefined` when the tag does not exist. */
  digestOf(repository: string, tag: string): Promise<string | undefined>;
  /**
   * Every signature of a digest: simple-signing layers (`.sig` tag) and DSSE bundles (OCI 1.1 referrers), and
   * the artifacts that could not be read. Throws only when the registry could not be asked.
   */
  signatures(repository: string, digest: string): Promise<FoundSignatures>;
  /**
   * True when a tag listing shows every signature (as `.sig` or `sha256-<hex>` referrers tags): the registry
   * has no referrers API. False when it has one (bundles are then not listed) or when that cannot be told.
   */
  listingShowsSignatures(repository: string): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Lowercase error reason for `signet_verify_errors_total{reason}` (a bounded set). Only failures to get an
 * answer from the registry arrive here: what a pusher wrote is read as rejected artifacts, never thrown.
 */
export function errorReason(err: unknown): string {
  if (isRegistryError(err)) return err.code.toLowerCase();
  return 'internal';
}

/** RegistryAccess over the shared OCI client and cosign signature store. */
export function registryAccess(
  config: RegistryConfig,
  opts: { redis?: Redis | Cluster; prefix?: string; pageSize?: number; signatureLimits?: Partial<SignatureLimits> } = {},
): RegistryAccess {
  // The request budget is shared through Redis by every replica when the registry has `rateLimit`.
  const client = registryClientFromConfig(config, { budget: opts.redis && redisRequestBudgets(opts.redis, opts.prefix) });
  const store = new SignatureStore(client, opts.signatureLimits ? { limits: opts.signatureLimits } : {});
  const pageSize = opts.pageSize ?? 1000;
  return {
    name: config.name,
    host: config.host,
    configuredRepositories: config.repositories ?? [],
    catalog: () => client.catalog({ pageSize }),
    async tags(repository) {
      const out: string[] = [];
      try {
        for await (const tag of client.tags(repository, { pageSize })) out.push(tag);
      } catch (err) {
        if (isMissing(err)) return undefined;
        throw err;
      }
      return out;
    },
    async digestOf(repository, tag) {
      try {
        return (await client.headManifest(repository, tag)).digest;
      } catch (err) {
        if (isMissing(err)) return undefined;
        throw err;
      }
    },
    async signatures(repository, digest) {
      const { signatures: found, rejected } = await store.read(repository, digest);
      return {
        layers: found.flatMap((s) =>
          s.kind === 'simple-signing' ? [{ payload: s.payload, signature: s.signature, mediaType: s.layer.mediaType }] : [],
        ),
        bundles: found.flatMap((s) => (s.kind === 'bundle' ? [s.envelope] : [])),
        rejected,
      };
    },
    async listingShowsSignatures(repository) {
      try {
        return !(await client.hasReferrersApi(repository));
      } catch {
        return false; // unknown: every tag is then looked up, the safe side
      }
    },
    close: () => client.close(),
  };
}
