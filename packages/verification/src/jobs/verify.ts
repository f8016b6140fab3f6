import { createHash } from 'node:crypto';
import { readJob, recheckJobSchema, verifyJobSchema, type RecheckJob, type VerifyJob } from '@signet/queue';
import { checkTag, forgetTag, registryOf, type CheckOutcome, type PushCorrelation, type VerifierContext } from '../check/check-tag';
import type { DecisionRecord } from '../state/store';
import { decodeTagState } from '../state/tag-state';

/** One grace re-check per tag and digest (no ':' in BullMQ ids); a look-again also names its time. */
export function recheckJobId(job: Omit<RecheckJob, 'v'>, atMs?: number): string {
  const h = createHash('sha256').update([job.registry, job.repository, job.tag, job.digest].join('\u0000')).digest('hex').slice(0, 40);
  return job.lookAgain ? `look-again-${h}-${atMs ?? 0}` : `recheck-${h}`;
}

export type VerifyOutcome = CheckOutcome | { kind: 'recorded' } | { kind: 'forgotten'; tags: string[] };

/**
 * `signet.verify`: the signer decided on a pushed digest; record the decision and judge the digest the push
 * named for the tag. Distribution sends its event before it moves the tag, so the tag may still show the old
 * digest: judging the named one raises the violation at once, and the tag is looked at again shortly (a flash
 * overwrite restored in the meantime is then judged back, and its trace stays). When the signer saw the tag
 * already moved past the digest (`tagMoved`: another push raced it), the tag's current digest is judged at
 * once as the replacement it is. `deleted` checks the registry first: a tag still (or again) there is judged,
 * a tag gone is forgotten, its last record kept as a tombstone.
 */
export async function processVerify(ctx: VerifierContext, data: unknown, jobId?: string): Promise<VerifyOutcome> {
  const job = readJob(verifyJobSchema, data);
  const push = correlation(job);
  const jobCtx = withJobLogger(ctx, jobId, push);
  const outcome = await judgePush(jobCtx, job, push);
  jobCtx.logger?.info(
    {
      registry: job.registry,
      repository: job.repository,
      tag: job.tag,
      digest: job.digest,
      decision: job.decision,
      outcome: outcome.kind,
      ...('state' in outcome ? { verdict: outcome.state.verdict, current: outcome.state.digest } : {}),
    },
    'push judged',
  );
  return outcome;
}

function correlation(job: { eventId?: string | undefined; pushJobId?: string | undefined }): PushCorrelation {
  return {
    ...(job.eventId !== undefined ? { eventId: job.eventId } : {}),
    ...(job.pushJobId !== undefined ? { pushJobId: job.pushJobId } : {}),
  };
}

/** The context with a logger naming the job and the push it is about on every line the check writes. */
function withJobLogger(ctx: VerifierContext, jobId: string | undefined, push: PushCorrelation): VerifierContext {
  if (!ctx.logger) return ctx;
  return { ...ctx, logger: ctx.logger.child({ ...(jobId !== undefined ? { jobId } : {}), ...push }) };
}

async function judgePush(ctx: VerifierContext, job: VerifyJob, push: PushCorrelation): Promise<VerifyOutcome> {
  const registry = registryOf(ctx, job.registry);
  // Where the registry offers no catalog, webhooks are how a rescan learns of a repository: any event, even a
  // delete before any tag state exists, puts it on the list.
  await ctx.store.rememberRepository?.(job.registry, job.repository);
  if (job.decision === 'deleted') {
    if (job.tag) {
      const outcome = await checkTag(ctx, { registry: job.registry, repository: job.repository, tag: job.tag }, { force: true });
      return outcome.kind === 'forgotten' ? { kind: 'forgotten', tags: [job.tag] } : outcome;
    }
    const tags: string[] = [];
    if (job.digest) {
      for (const [tag, stored] of await ctx.store.readRepository(job.registry, job.repository)) {
        if (stored.state?.digest !== job.digest) continue;
        // The tag may have moved since the delete; only a tag still at the deleted digest is gone.
        const current = await registry.digestOf(job.repository, tag);
        if (current === undefined && (await forgetTag(ctx, { registry: job.registry, repository: job.repository, tag }, stored)))
          tags.push(tag);
      }
    }
    return { kind: 'forgotten', tags };
  }
  const window = ctx.signatureWindow?.(job.registry, job.repository, job.actor);
  const decision: DecisionRecord = { decision: job.decision, ...(window !== undefined ? { signatureDueAt: ctx.now() + window } : {}) };
  if (job.digest)
    await ctx.store.recordDecision(job.registry, job.repository, job.digest, decision, Math.max(ctx.decisionTtlMs, window ?? 0), ctx.now());
  if (!job.tag) return { kind: 'recorded' };
  const ref = { registry: job.registry, repository: job.repository, tag: job.tag };
  if (!job.digest) return checkTag(ctx, ref, { force: true });

  ctx.metrics.tagsScanned.labels(ref.registry).inc();
  // The HEAD runs beside the signature lookup: the named digest is judged whatever the tag shows.
  const head = registry.digestOf(ref.repository, ref.tag).then(
    (digest) => ({ digest }),
    (err: unknown) => ({ err }),
  );
  const outcome = await checkTag(ctx, ref, { digest: job.digest, decision, force: true });
  const current = await head;
  if ('digest' in current && current.digest === job.digest) return outcome;
  await ctx.scheduleRecheck?.(ref, job.digest, ctx.now() + (ctx.lookAgainMs ?? 1000), 'look-again', push);
  // A tag showing the digest it held before this push has most likely not caught up yet (Distribution's
  // event, and the signer's HEAD, can come first): the look-again settles it. Any other digest raced this push.
  const before = outcome.kind === 'checked' ? outcome.state.history[0]?.digest : undefined;
  if (job.tagMoved && 'digest' in current && current.digest !== undefined && current.digest !== before) {
    return checkTag(ctx, ref, { digest: current.digest, force: true });
  }
  return outcome;
}

/** A pending overwrite's grace period ended: judge it again unless the tag has moved on. A look-again HEADs the tag. */
export async function processRecheck(ctx: VerifierContext, data: unknown, jobId?: string): Promise<CheckOutcome> {
  const job = readJob(recheckJobSchema, data);
  ctx = withJobLogger(ctx, jobId, correlation(job));
  const ref = { registry: job.registry, repository: job.repository, tag: job.tag };
  const stored = await ctx.store.read(ref);
  const state = decodeTagState(stored.raw);
  if (!job.lookAgain && state && state.digest === job.digest && state.verdict !== 'pending' && state.verdict !== 'error')
    return { kind: 'unchanged', state };
  return checkTag(ctx, ref, { stored, force: true });
}
