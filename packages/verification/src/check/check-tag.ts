import { ConcurrentUpdateError, SignetError } from '@signet/errors';
import type { Logger } from '@signet/observability';
import type { VerifierMetrics } from '../metrics';
import type { DecisionRecord, Stored, TagRef, TagStateStore } from '../state/store';
import { reasonOf, type TagState, type Verdict } from '../state/tag-state';
import {
  graceEndsAt,
  judge,
  judgeError,
  needsSignatureCheck,
  type JudgeOptions,
  type Judgement,
  type SignatureFinding,
} from '../state/verdict';
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
  /**
   * Schedules a re-check of the tag at `atMs`: `grace` when a pending (or unreadable) overwrite's grace period
   * or signature window ends, `look-again` when a push named a digest the registry did not show yet.
   */
  scheduleRecheck?: (ref: TagRef, digest: string, atMs: number, kind?: RecheckKind, push?: PushCorrelation) => Promise<void>;
  /** The operator's signature window for a push (ms), when one applies to this repository and actor. */
  signatureWindow?: (registry: string, repository: string, actor: string | undefined) => number | undefined;
  /** How long after a push whose digest the registry did not show yet to look at the tag again. */
  lookAgainMs?: number;
  /** How long the last record of a deleted tag is kept, so a re-push is judged as a replacement. */
  tombstoneTtlMs?: number;
}

export type RecheckKind = 'grace' | 'look-again';

/** A registry lookup failed (throttled, 401, timeout, 5xx): the job fails and BullMQ retries it. */
export class LookupFailedError extends SignetError<'LOOKUP_FAILED'> {
  constructor(
    readonly ref: TagRef,
    readonly reason: string,
    options: { cause: unknown },
  ) {
    // Retryable: the tag is judged `error` meanwhile, and the next attempt looks it up again.
    super(
      'LOOKUP_FAILED',
      `lookup of ${ref.registry}/${ref.repository}:${ref.tag} failed (${reason}): ${(options.cause as Error)?.message ?? options.cause}`,
      { ...options, retryable: true },
    );
  }
}

/** A job names a registry that is not configured: no later attempt finds it (not retryable). */
export class UnknownRegistryError extends SignetError<'UNKNOWN_REGISTRY'> {
  constructor(message: string) {
    super('UNKNOWN_REGISTRY', message);
  }
}

/** The push a job is about, named in its log lines: the sender's event id and the `signet.push` job id. */
export interface PushCorrelation {
  eventId?: string;
  pushJobId?: string;
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
  decision?: DecisionRecord | null;
  /** The deleted tag's last record already read (a rescan reads them all); `null` = known to be absent. */
  tombstone?: TagState | null;
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
async function store(
  ctx: VerifierContext,
  ref: TagRef,
  first: Stored,
  compute: (s: Stored) => Judgement | undefined,
): Promise<Judgement | undefined> {
  let stored = first;
  for (let attempt = 1; ; attempt++) {
    const j = compute(stored);
    if (!j) return undefined;
    if (await ctx.store.apply(ref, stored, j.state)) return j;
    if (attempt >= MAX_WRITE_ATTEMPTS)
      throw new ConcurrentUpdateError(`tag ${ref.registry}/${ref.repository}:${ref.tag}`, MAX_WRITE_ATTEMPTS);
    stored = await ctx.store.read(ref);
  }
}

/** Forgets a tag (deleted from the registry): its record, violation series and counts go. */
export async function forgetTag(ctx: VerifierContext, ref: TagRef, known?: Stored): Promise<boolean> {
  let stored = known ?? (await ctx.store.read(ref));
  for (let attempt = 1; stored.raw !== null; attempt++) {
    if (await ctx.store.apply(ref, stored, undefined)) return true;
    if (attempt >= MAX_WRITE_ATTEMPTS)
      throw new ConcurrentUpdateError(`tag ${ref.registry}/${ref.repository}:${ref.tag}`, MAX_WRITE_ATTEMPTS);
    stored = await ctx.store.read(ref);
  }
  return false;
}

/** Records a failed lookup (verdict `error`, counted, logged) and throws LookupFailedError. */
export async function recordLookupFailure(
  ctx: VerifierContext,
  ref: TagRef,
  stored: Stored,
  digest: string | undefined,
  err: unknown,
): Promise<never> {
  const reason = errorReason(err);
  ctx.metrics.verifyErrors.labels(ref.registry, reason).inc();
  const tomb = stored.raw === null ? await ctx.store.tombstone(ref) : undefined;
  const j = await store(ctx, ref, stored, (s) => judgeError(previousOf(s, tomb), digest, ctx.now(), ctx.judge));
  if (j?.overwrite) ctx.metrics.overwrites.labels(ref.registry, j.overwrite).inc();
  if (j) await afterJudgement(ctx, ref, previousOf(stored, tomb), j, undefined);
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
  if (!opts.force && stored.state && !needsSignatureCheck(stored.state, digest, opts.signatureListed === true))
    return { kind: 'unchanged', state: stored.state };

  const decision =
    opts.decision === undefined ? await ctx.store.decision(ref.registry, ref.repository, digest, ctx.now()) : (opts.decision ?? undefined);
  // A tag deleted and pushed again is judged against what it last pointed to.
  const tomb =
    stored.raw === null ? (opts.tombstone === undefined ? await ctx.store.tombstone(ref) : (opts.tombstone ?? undefined)) : undefined;
  let finding: SignatureFinding;
  // Only a tag first seen may be judged from the listing alone: it cannot become a violation, while an
  // overwrite is always judged from a fresh lookup (a signature may have been written since the listing).
  if (opts.signatureListed === false && !stored.state && !tomb) finding = { kind: 'none' };
  else {
    ctx.metrics.signaturesFetched.labels(ref.registry).inc();
    try {
      const found = await registry.signatures(ref.repository, digest);
      finding = judgeSignatures(
        found,
        ctx.keys.for(ref.registry, ref.repository),
        digest,
        { host: registry.host, repository: ref.repository, tag: ref.tag },
        ctx.keys.revoked,
      );
    } catch (err) {
      return recordLookupFailure(ctx, ref, stored, digest, err);
    }
  }
  const resolved = digest;
  const observation = {
    digest: resolved,
    finding,
    ...(decision
      ? { decision: decision.decision, ...(decision.signatureDueAt !== undefined ? { signatureDueAt: decision.signatureDueAt } : {}) }
      : {}),
  };
  const j = await store(ctx, ref, stored, (s) => judge(previousOf(s, tomb), { ...observation, now: ctx.now() }, ctx.judge));
  if (!j) return { kind: 'absent' };
  if (j.overwrite) ctx.metrics.overwrites.labels(ref.registry, j.overwrite).inc();
  await afterJudgement(ctx, ref, previousOf(stored, tomb), j, decision);
  return { kind: 'checked', state: j.state, ...(j.overwrite ? { overwrite: j.overwrite } : {}) };
}

/** The record a check judges against: the tag's own, else (a tag deleted and pushed again) its tombstone. */
function previousOf(s: Stored, tomb: TagState | undefined): TagState | undefined {
  return s.raw === null ? tomb : s.state;
}

/**
 * What follows a stored judgement: a new violation is logged and leaves a durable trace (it outlives a tag
 * moved back within milliseconds, until acknowledged); an overwrite still pending or unreadable is looked at
 * again when its grace period or signature window ends.
 */
async function afterJudgement(
  ctx: VerifierContext,
  ref: TagRef,
  prev: TagState | undefined,
  j: Judgement,
  decision: DecisionRecord | undefined,
): Promise<void> {
  const { state } = j;
  const isNew = prev?.flag !== 'violation' || prev.digest !== state.digest || reasonOf(prev) !== reasonOf(state);
  if (state.flag === 'violation' && state.verdict !== 'pending' && isNew) {
    const reason = reasonOf(state);
    ctx.metrics.violations.labels(ref.registry, reason).inc();
    // A revoked key's tag was not moved by anyone: no trace, or re-signing every such tag would page per tag.
    if (reason !== 'revoked') await ctx.store.recordTrace(ref, state.digest, reason);
    ctx.logger?.error(
      { registry: ref.registry, repository: ref.repository, tag: ref.tag, digest: state.digest, verdict: state.verdict, reason },
      'tag moved to a digest without a valid signature, or rolled back by an untrusted push',
    );
  }
  if (!ctx.scheduleRecheck || !state.replaced) return;
  if (state.verdict === 'pending') {
    const graceEnd = decision ? 0 : graceEndsAt(state, ctx.judge.gracePeriodMs);
    await ctx.scheduleRecheck(ref, state.digest, Math.max(graceEnd, decision?.signatureDueAt ?? 0), 'grace');
  } else if (state.verdict === 'error' && state.unsettled && state.flag === 'none') {
    await ctx.scheduleRecheck(ref, state.digest, graceEndsAt(state, ctx.judge.gracePeriodMs), 'grace');
  }
}
