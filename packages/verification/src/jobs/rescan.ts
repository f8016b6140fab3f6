import { readJob, rescanJobSchema, rescanRepositoryJobId, type RescanJob } from '@signet/queue';
import { registryOf, type VerifierContext } from '../check/check-tag';
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
export class ScanIncompleteError extends Error {
  readonly code = 'SCAN_INCOMPLETE';
}

/** Every repository to scan: the configured list where given, else the registry's catalog. */
export async function listRepositories(ctx: VerifierContext, registryNames?: string[]): Promise<Array<{ registry: string; repository: string }>> {
  const out: Array<{ registry: string; repository: string }> = [];
  for (const name of registryNames ?? [...ctx.registries.keys()]) {
    for await (const repository of registryOf(ctx, name).repositories()) out.push({ registry: name, repository });
  }
  return out;
}

/**
 * `signet.rescan` jobs. `all` fans out one job per repository with ids derived from the scan id, so
 * replicas that pick up the same scheduled run (or a retried fan-out) enqueue each repository once.
 */
export async function processRescan(deps: RescanDeps, job: { id?: string; data: unknown }): Promise<{ repositories: number } | RepositoryScan> {
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
  const scan = await scanRepository(ctx, data.registry, data.repository);
  if (scan.errors > 0) throw new ScanIncompleteError(`${scan.errors} of ${scan.tags.length} tags of ${data.registry}/${data.repository} could not be checked`);
  const durationMs = await deps.progress.finish(data.scanId, `${data.registry}/${data.repository}`, ctx.now());
  if (durationMs !== undefined) {
    ctx.metrics.rescanDuration.observe(durationMs / 1000);
    ctx.logger?.info({ scanId: data.scanId, durationMs }, 'rescan complete');
  }
  return scan;
}
