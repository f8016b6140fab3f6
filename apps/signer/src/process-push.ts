import type { KeyObject } from 'node:crypto';
import type { SigningKey } from '@signet/crypto';
import type { Logger } from '@signet/observability';
import type { SigningRecord } from '@signet/verification';
import {
  jobError,
  judgeJobFailure,
  pushJobId,
  pushJobSchema,
  readJob,
  verifyJobId,
  type PushJob,
  type SignerDecision,
  type VerifyJob,
} from '@signet/queue';
import { isIndexMediaType } from '@signet/oci';
import { isMissing, type RegistryClient } from '@signet/registry';
import { indexChildren, signDigest, signedIdentity, type IdentityMode, type SignatureStore } from '@signet/signatures';
import type { DigestLock } from '@signet/queue';
import { ImageGoneError, UnknownRegistryError } from './failures';
import type { SignerMetrics, SignResult } from './metrics';
import type { TrustPolicy } from './trust';

/** One configured registry as the signer uses it. */
export interface SignerRegistry {
  name: string;
  /** Host in signature identities (`registries[].host`). */
  host: string;
  client: RegistryClient;
  store: SignatureStore;
}

export interface SignerDeps {
  registries: ReadonlyMap<string, SignerRegistry>;
  key: SigningKey;
  /** Public keys of earlier signing keys: their signatures also count as "already signed". */
  previousKeys: readonly KeyObject[];
  /**
   * Compromised keys (`verifier.revokedKeys`): a signature by one of them never counts as "already signed",
   * even where the key is also among `previousKeys`, or a stolen key would stop trusted pushes being signed.
   */
  revokedKeys?: readonly KeyObject[];
  /** Where trusted digests are recorded once signed (the evidence `signet resign` re-signs from). */
  records?: SigningRecordSink;
  trust: TrustPolicy;
  identity: IdentityMode;
  annotations: Readonly<Record<string, string>>;
  recursive: boolean;
  /** `sig` (cosign's `.sig` tag, the default) or `bundle` (a Sigstore bundle referrer, cosign v3). */
  layout?: 'sig' | 'bundle';
  lock: DigestLock;
  enqueueVerify(jobId: string, data: VerifyJob): Promise<void>;
  metrics: SignerMetrics;
  logger?: Logger;
  now?: () => number;
}

/** `SigningRecords` as the signer uses it. */
export interface SigningRecordSink {
  record(registry: string, repository: string, digest: string, record: SigningRecord): Promise<void>;
}

/** What the processor needs of a BullMQ job. */
export interface PushJobHandle {
  id?: string | undefined;
  data: unknown;
  /** Attempts that already failed (BullMQ `attemptsMade`). */
  attemptsMade: number;
  /** The job's `attempts` option. */
  maxAttempts: number;
}

export interface PushOutcome {
  decision: SignerDecision | 'skipped';
  digest?: string;
  /** Digests that got a new signature layer (the index and, with `recursive`, its children). */
  signed: string[];
  tagMoved?: boolean;
  /** Why nothing was signed, where the decision alone does not say it (logged). */
  reason?: string;
}

/** Logged with an `unverifiable` decision. */
const TAG_ONLY_REASON =
  'the event named only a tag, and no matching trust rule sets signTagOnlyEvents: the digest the tag resolves to now may not be the trusted push';

const RESULT: Record<PushOutcome['decision'], SignResult> = {
  signed: 'signed',
  'already-signed': 'already_signed',
  untrusted: 'untrusted',
  unverifiable: 'unverifiable',
  failed: 'failed',
  deleted: 'deleted',
  skipped: 'skipped',
};

/**
 * `signet.push`: decide on one push event, then hand the tag to the verifier. Retryable failures throw (BullMQ
 * retries with backoff); permanent ones, and the last attempt, first enqueue a `failed` verify job and then
 * throw (an UnrecoverableError for permanent ones), so nothing is dropped.
 */
export async function processPush(deps: SignerDeps, job: PushJobHandle): Promise<PushOutcome> {
  const now = deps.now ?? Date.now;
  const started = now();
  let push: PushJob | undefined;
  const progress: { digest?: string } = {};
  // Every line about this push names it as the receiver and verifier do (see correlationOf).
  let logger = deps.logger?.child(correlationOf(job.id, job.data));
  try {
    push = readJob(pushJobSchema, job.data);
    const id = job.id ?? pushJobId(push.event);
    logger = deps.logger?.child({ jobId: id, pushJobId: id, eventId: push.event.eventId });
    const outcome = await decide(deps, push, id, progress, logger);
    if (outcome.decision !== 'skipped') await enqueue(deps, id, push, outcome.decision, outcome.digest, outcome.tagMoved);
    const registry = deps.registries.has(push.event.registry) ? push.event.registry : 'unknown';
    deps.metrics.signatures.labels(registry, RESULT[outcome.decision]).inc();
    if (outcome.decision === 'signed') {
      const done = now();
      deps.metrics.signDuration.observe((done - started) / 1000);
      const pushedAt = Date.parse(push.event.occurredAt);
      if (Number.isFinite(pushedAt)) deps.metrics.signingLag.observe(Math.max(0, done - pushedAt) / 1000);
    }
    logger?.info(
      {
        registry: push.event.registry,
        repository: push.event.repository,
        tag: push.event.tag,
        digest: outcome.digest,
        decision: outcome.decision,
        signed: outcome.signed.length,
        tagMoved: outcome.tagMoved,
        reason: outcome.reason,
      },
      'push decided',
    );
    return outcome;
  } catch (err) {
    const { permanent, final, reason } = judgeJobFailure(err, job);
    deps.metrics.jobsFailed.labels(String(final), reason).inc();
    const log = { reason, permanent, attempt: job.attemptsMade + 1, digest: progress.digest, err };
    if (final) {
      if (push) await enqueue(deps, job.id ?? pushJobId(push.event), push, 'failed', progress.digest ?? push.event.digest);
      deps.metrics.signatures.labels(push && deps.registries.has(push.event.registry) ? push.event.registry : 'unknown', 'failed').inc();
      logger?.error(log, 'push job failed for good');
    } else {
      logger?.warn(log, 'push job failed; will retry');
    }
    throw jobError(err, { permanent, reason });
  }
}

/** The ids a job's data names before it is validated (a job that fails validation is still named in its lines). */
function correlationOf(jobId: string | undefined, data: unknown): { jobId?: string; pushJobId?: string; eventId?: string } {
  const eventId = (data as { event?: { eventId?: unknown } } | undefined)?.event?.eventId;
  return { ...(jobId ? { jobId, pushJobId: jobId } : {}), ...(typeof eventId === 'string' ? { eventId: eventId.slice(0, 200) } : {}) };
}

/**
 * One decision per push: deleted, untrusted, skipped (a manifest pushed by digest alone), unverifiable (a tag
 * only, no opt-in), else the trusted push signed (or found signed already).
 */
async function decide(
  deps: SignerDeps,
  push: PushJob,
  pushId: string,
  progress: { digest?: string },
  logger?: Logger,
): Promise<PushOutcome> {
  const ev = push.event;
  const reg = deps.registries.get(ev.registry);
  if (!reg) throw new UnknownRegistryError(`registry "${ev.registry}" is not configured`);
  const base = ev.digest ? { digest: ev.digest } : {};
  if (ev.kind === 'delete') return { decision: 'deleted', ...base, signed: [] };
  const trust = deps.trust.judge(ev);
  if (trust === 'untrusted') return { decision: 'untrusted', ...base, signed: [] };
  // A manifest pushed by digest alone (an index's children before the index): the index push signs it.
  if (!ev.tag) return { decision: 'skipped', ...base, signed: [] };
  const tag = ev.tag;
  // Only a digest the event named is signed by default. A tag-only event's digest is learned here, now, and
  // anyone who pushed to the tag since the trusted push would be signed: the digest is resolved only so the
  // verifier can judge it at once (`unverifiable` ends its grace period), never to sign it, unless the
  // matching trust rule opts in with `signTagOnlyEvents` and accepts that risk.
  const digest = ev.digest ?? (await resolveTag(reg.client, ev.repository, tag));
  progress.digest = digest;
  if (trust === 'unverifiable') return { decision: 'unverifiable', digest, signed: [], reason: TAG_ONLY_REASON };
  return signTrustedPush(deps, reg, { repository: ev.repository, tag, digest, mediaType: ev.mediaType, actor: ev.actor }, pushId, logger);
}

/** A trusted push as signTrustedPush takes it: the digest is the one the event named (or an opted-in tag's). */
interface TrustedPush {
  repository: string;
  tag: string;
  digest: string;
  mediaType: string | undefined;
  actor: string | undefined;
}

/**
 * Signs a trusted push's digest, and with `recursive` an index's children first, each under the per-digest
 * lock; then records every digest signed or found signed as a trusted push's (what `signet resign` trusts).
 */
async function signTrustedPush(
  deps: SignerDeps,
  reg: SignerRegistry,
  push: TrustedPush,
  pushId: string,
  logger: Logger | undefined,
): Promise<PushOutcome> {
  const { repository, tag, digest } = push;
  // The children are read from the index fetched by its digest, which the client checks against the bytes:
  // they are fixed by that digest's content, so signing them adds nothing the signed digest does not name.
  const children =
    deps.recursive && (push.mediaType === undefined || isIndexMediaType(push.mediaType))
      ? await childrenOf(reg.client, repository, digest)
      : [];
  const dockerReference = signedIdentity({ registry: reg.host, repository, tag }, deps.identity);
  const sign = digestSigner(deps, reg, repository, dockerReference, logger);

  const signed: string[] = [];
  // Children first: once the tag's own digest carries a signature, so does everything below it.
  for (const child of children) {
    const r = await deps.lock.withLock(reg.name, repository, child, () => sign(child));
    if (r.status === 'appended') signed.push(child);
  }
  let tagMoved = false;
  const top = await deps.lock.withLock(reg.name, repository, digest, async () => {
    tagMoved = await tagMovedFrom(reg.client, repository, tag, digest);
    return sign(digest);
  });
  if (top.status === 'appended') signed.push(digest);
  if (deps.records) {
    const record: SigningRecord = {
      actor: push.actor ?? '',
      at: (deps.now ?? Date.now)(),
      key: deps.key.fingerprint.short,
      pushJobId: pushId,
      identity: dockerReference,
    };
    for (const d of [...children, digest]) await deps.records.record(reg.name, repository, d, record);
  }
  return { decision: signed.length > 0 ? 'signed' : 'already-signed', digest, signed, ...(tagMoved ? { tagMoved } : {}) };
}

/** Signs one digest for `dockerReference`, reporting what a pusher left in its `.sig` tag that could not be kept. */
function digestSigner(deps: SignerDeps, reg: SignerRegistry, repository: string, dockerReference: string, logger: Logger | undefined) {
  const alsoAccept = acceptedPreviousKeys(deps);
  return async (digest: string) => {
    const r = await signDigest(
      reg.store,
      deps.key,
      { repository, digest, dockerReference, annotations: deps.annotations },
      { alsoAccept, layout: deps.layout ?? 'sig' },
    );
    // A pusher can write any digest's .sig tag: what it held that could not be kept is reported, never fatal.
    for (const drop of r.dropped ?? []) deps.metrics.artifactsDropped.labels(reg.name, drop.code).inc();
    if (r.dropped?.length)
      logger?.warn(
        { digest, dropped: r.dropped.slice(0, 20), droppedCount: r.dropped.length },
        'signature artifacts dropped from the .sig tag',
      );
    return r;
  };
}

/** `previousKeys` less any revoked key: a compromised key's signature must never stand in for ours. */
function acceptedPreviousKeys(deps: SignerDeps): KeyObject[] {
  const revoked = deps.revokedKeys ?? [];
  return deps.previousKeys.filter((k) => !revoked.some((r) => r.equals(k)));
}

async function resolveTag(client: RegistryClient, repository: string, tag: string): Promise<string> {
  try {
    return await client.resolve(repository, tag);
  } catch (err) {
    if (isMissing(err)) throw new ImageGoneError(`${repository}:${tag} no longer exists`, { cause: err });
    throw err;
  }
}

async function childrenOf(client: RegistryClient, repository: string, digest: string): Promise<string[]> {
  try {
    return await indexChildren(client, repository, digest);
  } catch (err) {
    if (isMissing(err)) throw new ImageGoneError(`${repository}@${digest} no longer exists`, { cause: err });
    throw err;
  }
}

/**
 * Whether the tag points elsewhere now. A trusted push is signed anyway (its digest was trusted); the
 * verifier is told so it judges the tag's current digest knowing the race. A digest that is gone too fails.
 */
async function tagMovedFrom(client: RegistryClient, repository: string, tag: string, digest: string): Promise<boolean> {
  try {
    return (await client.headManifest(repository, tag)).digest !== digest;
  } catch (err) {
    if (!isMissing(err)) throw err;
  }
  try {
    await client.headManifest(repository, digest);
  } catch (err) {
    if (isMissing(err)) throw new ImageGoneError(`${repository}@${digest} no longer exists`, { cause: err });
    throw err;
  }
  return true;
}

async function enqueue(
  deps: SignerDeps,
  pushId: string,
  push: PushJob,
  decision: SignerDecision,
  digest?: string,
  tagMoved?: boolean,
): Promise<void> {
  const ev = push.event;
  const data: VerifyJob = {
    v: 1,
    registry: ev.registry,
    repository: ev.repository,
    decision,
    ...(ev.tag ? { tag: ev.tag } : {}),
    ...(digest ? { digest } : {}),
    ...(tagMoved ? { tagMoved } : {}),
    ...(ev.actor ? { actor: ev.actor } : {}),
    eventId: ev.eventId,
    pushJobId: pushId,
    pushedAt: ev.occurredAt,
  };
  await deps.enqueueVerify(verifyJobId(pushId, digest), data);
}
