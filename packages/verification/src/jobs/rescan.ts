import { SignetError } from '@signet/errors';
import { readJob, rescanJobSchema, rescanRepositoryJobId, type RescanJob } from '@signet/queue';
import { isRegistryError, type RegistryError } from '@signet/registry';
import { registryOf, type VerifierContext } from '../check/check-tag';
import { errorReason, type RegistryAccess } from '../check/registry-access';
import { scanRepository, type RepositoryScan } from '../check/scan-repository';
import type { ScanProgress } from './scan-progress';

export interface RepositoryJob {
  name: string;
  data: Extract<RescanJob, { kind: 'repository' }>;
  jobId: string;
}

export interface RescanDeps {
  ctx: VerifierContext;
  progress: ScanProgress;
  /** Enqueues the per-repository jobs (BullMQ addBulk in production). */
  enqueue: (jobs: RepositoryJob[]) => Promise<void>;
}

/** A repository scan finished with failed lookups: the job fails so BullMQ retries it with backoff. */
export class ScanIncompleteError extends SignetError<'SCAN_INCOMPLETE'> {
  constructor(message: string) {
    super('SCAN_INCOMPLETE', message, { retryable: true });
  }
}

/**
 * The registry offers no catalog to this account: GHCR and Docker Hub have none (404, or a token without
 * `registry:catalog:*` and then 401), Harbor and Quay refuse non-admins (401/403, DENIED), others say
 * UNSUPPORTED. A 5xx, a timeout or a refused token realm is a failure to ask, and fails the rescan.
 */
export function catalogRefused(err: unknown): err is RegistryError {
  if (!isRegistryError(err)) return false;
  return [401, 403, 404].includes(err.status ?? 0) || err.code === 'UNSUPPORTED' || err.code === 'REGISTRY_DENIED';
}

/** Per verifier context, what each registry's catalog last answered: logged when it changes, not every rescan. */
const catalogSeen = new WeakMap<VerifierContext, Map<string, boolean>>();

/** The catalog's repositories, or none when the registry refuses it (recorded, and logged once). */
async function readCatalog(ctx: VerifierContext, registry: RegistryAccess): Promise<string[]> {
  const found: string[] = [];
  let refusal: RegistryError | undefined;
  try {
    for await (const repository of registry.catalog()) found.push(repository);
  } catch (err) {
    if (!catalogRefused(err)) throw err;
    refusal = err; // pages read before the refusal still name real repositories
  }
  let seen = catalogSeen.get(ctx);
  if (!seen) catalogSeen.set(ctx, (seen = new Map()));
  const before = seen.get(registry.name);
  seen.set(registry.name, refusal === undefined);
  if (refusal && before !== false) {
    ctx.logger?.warn(
      { registry: registry.name, reason: errorReason(refusal), status: refusal.status, error: refusal.message },
      'registry catalog not available: scanning the repositories learned from webhooks (list others under registries[].repositories)',
    );
  } else if (!refusal && before === false) {
    ctx.logger?.info({ registry: registry.name }, 'registry catalog available again');
  }
  await ctx.store.recordCatalog?.(registry.name, refusal === undefined);
  return found;
}

/**
 * Every repository to scan, per registry: those learned from webhooks and tag state, plus the configured list
 * (`registries[].repositories`) or, where none is configured, the catalog when the registry offers one. A
 * configured list stands in for the catalog as it always has: it is the operator's scope, and a registry known
 * to have no catalog is not asked for one on every rescan. Without either the rescan goes on with what it
 * learned, so a registry such as GHCR is still rescanned rather than failing every time.
 */
export async function listRepositories(
  ctx: VerifierContext,
  registryNames?: string[],
): Promise<Array<{ registry: string; repository: string }>> {
  const out: Array<{ registry: string; repository: string }> = [];
  for (const name of registryNames ?? [...ctx.registries.keys()]) {
    const registry = registryOf(ctx, name);
    const configured = registry.configuredRepositories;
    const [listed, learned] = await Promise.all([
      configured.length > 0 ? configured : readCatalog(ctx, registry),
      ctx.store.knownRepositories?.(name) ?? [],
    ]);
    const all = new Set([...listed, ...learned]);
    for (const repository of [...all].sort()) out.push({ registry: name, repository });
  }
  return out;
}

/**
 * `signet.rescan` jobs. `all` fans out one job per repository with ids derived from the scan id, so
 * replicas that pick up the same scheduled run (or a retried fan-out) enqueue each repository once.
 */
export async function processRescan(
  deps: RescanDeps,
  job: { id?: string; data: unknown },
): Promise<{ repositories: number } | RepositoryScan> {
  const data = readJob(rescanJobSchema, job.data);
  const { ctx } = deps;
  if (data.kind === 'all') {
    const scanId = job.id ?? `manual-${ctx.now()}`;
    const repositories = await listRepositories(ctx);
    await deps.progress.start(scanId, repositories.length, ctx.now());
    await deps.enqueue(
      repositories.map(({ registry, repository }) => ({
        name: 'repository',
        data: { v: 1, kind: 'repository', registry, repository, scanId },
        jobId: rescanRepositoryJobId(scanId, registry, repository),
      })),
    );
    ctx.logger?.info({ scanId, repositories: repositories.length }, 'rescan fanned out');
    return { repositories: repositories.length };
  }
  // Keys trusted or revoked since the last complete rescan: every tag's signatures are looked up again, or a
  // tag judged `signed` by a key revoked since would keep that verdict (its digest has not changed).
  const keyConfig = ctx.keys.configFingerprint();
  const keysChanged = ctx.store.keyConfig !== undefined && (await ctx.store.keyConfig()) !== keyConfig;
  const scan = await scanRepository(ctx, data.registry, data.repository, keysChanged ? { force: true } : {});
  if (scan.errors > 0)
    throw new ScanIncompleteError(`${scan.errors} of ${scan.tags.length} tags of ${data.registry}/${data.repository} could not be checked`);
  const durationMs = await deps.progress.finish(data.scanId, `${data.registry}/${data.repository}`, ctx.now());
  if (durationMs !== undefined) {
    if (keysChanged)
      ctx.logger?.info({ scanId: data.scanId, keyConfig }, 'rescan judged every tag with the changed trusted and revoked keys');
    await ctx.store.recordKeyConfig?.(keyConfig);
    ctx.metrics.rescanDuration.observe(durationMs / 1000);
    ctx.logger?.info({ scanId: data.scanId, durationMs }, 'rescan complete');
  }
  return scan;
}
