import type { Logger } from '@signet/observability';
import type { SignerDecision } from '@signet/queue';
import type { VerifierMetrics } from '../metrics';
import type { Stored, TagRef, TagStateStore } from '../state/store';
import type { TagState, Verdict } from '../state/tag-state';
import { graceEndsAt, judge, judgeError, needsSignatureCheck, type JudgeOptions, type Judgement, type SignatureFinding } from '../state/verdict';
import { errorReason, type RegistryAccess } from './registry-access';
import type { RepositoryKeys } from './repository-keys';
import { judgeSignatures } from './signatures';

export interface VerifierContext {
  store: TagStateStore;
  registries: ReadonlyMap<string, RegistryAccess>;
  /** Which keys may sign each repository's images. */
  keys: RepositoryKeys;
  metrics: VerifierMetrics;
  judge: JudgeOptions;
  /** How long a signer decision is kept (it only matters during the grace period). */
  decisionTtlMs: number;
  tagConcurrency: number;
  now: () => number;
  logger?: Logger;
  /** Schedules a re-check of a pending overwrite when its grace period ends. */
  scheduleRecheck?: (ref: TagRef, digest: string, atMs: number) => Promise<void>;
}

/** A registry lookup failed (throttled, 401, timeout, 5xx): the job fails and BullMQ retries it. */
export class LookupFailedError extends Error {
  readonly code = 'LOOKUP_FAILED';
  constructor(
    readonly ref: TagRef,
    readonly reason: string,
    options: { cause: unknown },
  ) {
    super(`lookup of ${ref.registry}/${ref.repository}:${ref.tag} failed (${reason}): ${(options.cause as Error)?.message ?? options.cause}`, options);
  }
}

export class UnknownRegistryError extends Error {
  readonly code = 'UNKNOWN_REGISTRY';
}

export type CheckOutcome =
  | { kind: 'checked'; state: TagState; overwrite?: Verdict }
  | { kind: 'unchanged'; state: TagState }
  | { kind: 'forgotten' }
  | { kind: 'absent' };

export interface CheckOptions {
  /** The digest already resolved (a rescan HEADs every tag first). */
  digest?: string;
  /** The stored record already read (a rescan reads the whole repository at once). */
  stored?: Stored;
  /** The decision already read; `null` = known to be absent. */
  decision?: SignerDecision | null;
  /** Check the signatures even when the digest is unchanged (verify jobs). */
  force?: boolean;
  /**
   * What a rescan's tag listing shows of the digest's signatures: `true` a signature tag (an `unsigned` tag is
   * then looked up again), `false` none where it would show any (a tag first seen then needs no lookup);
   * unset when the listing cannot tell (a registry with the referrers API does not list bundles).
   */
  signatureListed?: boolean | undefined;
}

const MAX_WRITE_ATTEMPTS = 5;

export function registryOf(ctx: VerifierContext, name: string): RegistryAccess {
  const registry = ctx.registries.get(name);
  if (!registry) throw new UnknownRegistryError(`no registry named "${name}" in the configuration`);
  return registry;
}

/** Stores `next` computed from the latest record, retrying when another replica wrote the tag meanwhile. */
async function store(ctx: VerifierContext, ref: TagRef, first: Stored, compute: (s: Stored) => Judgement | undefined): Promise<Judgement | undefined> {
  let stored = first;
  for (let attempt = 1; ; attempt++) {
    const j = compute(stored);
    if (!j) return undefined;
    if (await ctx.store.apply(ref, stored, j.state)) return j;
    if (attempt >= MAX_WRITE_ATTEMPTS) throw new Error(`tag ${ref.registry}/${ref.repository}:${ref.tag} kept changing under concurrent writers`);
    stored = await ctx.store.read(ref);
  }
}

/** Forgets a tag (deleted from the registry): its record, violation series and counts go. */
export async function forgetTag(ctx: VerifierContext, ref: TagRef, known?: Stored): Promise<boolean> {
  let stored = known ?? (await ctx.store.read(ref));
  for (let attempt = 1; stored.raw !== null; attempt++) {
    if (await ctx.store.apply(ref, stored, undefined)) return true;
    if (attempt >= MAX_WRITE_ATTEMPTS) throw new Error(`tag ${ref.registry}/${ref.repository}:${ref.tag} kept changing under concurrent writers`);
    stored = await ctx.store.read(ref);
  }
  return false;
}

/** Records a failed lookup (verdict `error`, counted, logged) and throws LookupFailedError. */
export async function recordLookupFailure(ctx: VerifierContext, ref: TagRef, stored: Stored, digest: string | undefined, err: unknown): Promise<never> {
  const reason = errorReason(err);
  ctx.metrics.verifyErrors.labels(ref.registry, reason).inc();
  const j = await store(ctx, ref, stored, (s) => judgeError(s.state, digest, ctx.now(), ctx.judge));
  if (j?.overwrite) ctx.metrics.overwrites.labels(ref.registry, j.overwrite).inc();
  ctx.logger?.warn({ registry: ref.registry, repository: ref.repository, tag: ref.tag, digest, reason, err }, 'registry lookup failed');
  throw new LookupFailedError(ref, reason, { cause: err });
}

/**
 * Checks one tag: resolves its digest, compares with the stored state, and only for a new, changed or
 * unsettled digest (or when forced) looks up and verifies the signatures, then stores the verdict.
 */
export async function checkTag(ctx: VerifierContext, ref: TagRef, opts: CheckOptions = {}): Promise<CheckOutcome> {
  const registry = registryOf(ctx, ref.registry);
  const stored = opts.stored ?? (await ctx.store.read(ref));
  let digest = opts.digest;
  if (digest === undefined) {
    ctx.metrics.tagsScanned.labels(ref.registry).inc();
    try {
      digest = await registry.digestOf(ref.repository, ref.tag);
    } catch (err) {
      return recordLookupFailure(ctx, ref, stored, undefined, err);
    }
    if (digest === undefined) return (await forgetTag(ctx, ref, stored)) ? { kind: 'forgotten' } : { kind: 'absent' };
  }
  if (!opts.force && stored.state && !needsSignatureCheck(stored.state, digest, opts.signatureListed === true)) return { kind: 'unchanged', state: stored.state };

  const decision = opts.decision === undefined ? await ctx.store.decision(ref.registry, ref.repository, digest, ctx.now()) : (opts.decision ?? undefined);
  let finding: SignatureFinding;
  // Only a tag first seen may be judged from the listing alone: it cannot become a violation, while an
  // overwrite is always judged from a fresh lookup (a signature may have been written since the listing).
  if (opts.signatureListed === false && !stored.state) finding = { kind: 'none' };
  else {
    ctx.metrics.signaturesFetched.labels(ref.registry).inc();
    try {
      const found = await registry.signatures(ref.repository, digest);
      finding = judgeSignatures(found, ctx.keys.for(ref.registry, ref.repository), digest, { host: registry.host, repository: ref.repository, tag: ref.tag });
    } catch (err) {
      return recordLookupFailure(ctx, ref, stored, digest, err);
    }
  }
  const resolved = digest;
  const j = await store(ctx, ref, stored, (s) => judge(s.state, { digest: resolved, finding, decision, now: ctx.now() }, ctx.judge));
  if (!j) return { kind: 'absent' };
  if (j.overwrite) ctx.metrics.overwrites.labels(ref.registry, j.overwrite).inc();
  const { state } = j;
  if (state.flag === 'violation' && j.overwrite) {
    ctx.logger?.error({ registry: ref.registry, repository: ref.repository, tag: ref.tag, digest: state.digest, verdict: state.verdict }, 'tag overwritten by a digest without a valid signature');
  }
  if (state.verdict === 'pending' && state.replaced && ctx.scheduleRecheck) {
    await ctx.scheduleRecheck(ref, state.digest, graceEndsAt(state, ctx.judge.gracePeriodMs));
  }
  return { kind: 'checked', state, ...(j.overwrite ? { overwrite: j.overwrite } : {}) };
}
