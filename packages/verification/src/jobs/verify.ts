import { createHash } from 'node:crypto';
import { readJob, verifyJobSchema } from '@signet/queue';
import { z } from 'zod';
import { checkTag, forgetTag, registryOf, type CheckOutcome, type VerifierContext } from '../check/check-tag';
import { decodeTagState } from '../state/tag-state';

/** `recheck` jobs on the verify queue: a pending overwrite judged again when its grace period ends. */
export const recheckJobSchema = z.object({ v: z.literal(1), registry: z.string().min(1), repository: z.string().min(1), tag: z.string().min(1), digest: z.string() });
export type RecheckJob = z.infer<typeof recheckJobSchema>;

/** One recheck per tag and digest (no ':' in BullMQ ids). */
export function recheckJobId(job: Omit<RecheckJob, 'v'>): string {
  const h = createHash('sha256').update([job.registry, job.repository, job.tag, job.digest].join('\u0000')).digest('hex').slice(0, 40);
  return `recheck-${h}`;
}

export type VerifyOutcome = CheckOutcome | { kind: 'recorded' } | { kind: 'forgotten'; tags: string[] };

/**
 * `signet.verify`: the signer decided on a pushed digest; record the decision and judge the tag now
 * (its current digest, which may differ from the one signed if the tag moved). `deleted` forgets the tag,
 * or every tag pointing to a deleted digest.
 */
export async function processVerify(ctx: VerifierContext, data: unknown): Promise<VerifyOutcome> {
  const job = readJob(verifyJobSchema, data);
  registryOf(ctx, job.registry);
  if (job.decision === 'deleted') {
    if (job.tag) {
      const ref = { registry: job.registry, repository: job.repository, tag: job.tag };
      return { kind: 'forgotten', tags: (await forgetTag(ctx, ref)) ? [job.tag] : [] };
    }
    const tags: string[] = [];
    if (job.digest) {
      for (const [tag, stored] of await ctx.store.readRepository(job.registry, job.repository)) {
        if (stored.state?.digest !== job.digest) continue;
        // The tag may have moved since the delete; only a tag still at the deleted digest is gone.
        const current = await registryOf(ctx, job.registry).digestOf(job.repository, tag);
        if (current === undefined && (await forgetTag(ctx, { registry: job.registry, repository: job.repository, tag }, stored))) tags.push(tag);
      }
    }
    return { kind: 'forgotten', tags };
  }
  if (job.digest) await ctx.store.recordDecision(job.registry, job.repository, job.digest, job.decision, ctx.decisionTtlMs, ctx.now());
  if (!job.tag) return { kind: 'recorded' };
  return checkTag(ctx, { registry: job.registry, repository: job.repository, tag: job.tag }, { force: true });
}

/** A pending overwrite's grace period ended: judge it again unless the tag has moved on. */
export async function processRecheck(ctx: VerifierContext, data: unknown): Promise<CheckOutcome> {
  const job = readJob(recheckJobSchema, data);
  const ref = { registry: job.registry, repository: job.repository, tag: job.tag };
  const stored = await ctx.store.read(ref);
  const state = decodeTagState(stored.raw);
  if (state && state.digest === job.digest && state.verdict !== 'pending' && state.verdict !== 'error') return { kind: 'unchanged', state };
  return checkTag(ctx, ref, { stored, force: true });
}
