import { createHash } from 'node:crypto';
import type { AdmissionConfig, SignetConfig } from '@signet/config';
import { loadPublicKeys, type PublicKeySet } from '@signet/crypto';
import { DOCKER_HUB, formatImageReference, isDockerHub, normalizeImageReference, type ImageReference } from '@signet/oci';
import { isRegistryError } from '@signet/registry';
import { registryAccess, type RegistryAccess } from '../check/registry-access';
import { RepositoryKeys } from '../check/repository-keys';
import { judgeSignatures } from '../check/signatures';
import { TagStore, type RedisClient, type TagStateStore } from '../state/store';
import { reasonOf, type TagState } from '../state/tag-state';
import type { SignatureFinding } from '../state/verdict';

/** How an image's verdict was reached; bounded, so it can label metrics. */
export type AdmissionOutcome = 'cache-hit' | 'live' | 'unreachable' | 'timeout' | 'unwatched' | 'invalid-reference';

/** Why an image is admitted or not (stable codes, for logs and audit annotations). */
export type AdmissionReason =
  | 'SIGNED'
  | 'UNSIGNED'
  | 'INVALID_SIGNATURE'
  | 'STANDING_VIOLATION'
  | 'TAG_NOT_FOUND'
  | 'UNWATCHED_REGISTRY'
  | 'INVALID_REFERENCE'
  | 'REGISTRY_UNREACHABLE'
  | 'STATE_UNREADABLE'
  | 'VERIFY_TIMEOUT';

export type UnwatchedPolicy = 'deny' | 'allow' | 'warn';

export interface ImageVerdict {
  image: string;
  /** Normalised as Docker does: `docker.io/library/nginx:latest`. */
  reference?: string;
  allowed: boolean;
  /** Admitted, but the user should hear about it (an unwatched registry under policy `warn`). */
  warning?: string;
  outcome: AdmissionOutcome;
  reason: AdmissionReason;
  /** What a developer reads: which image, why, how to fix it. */
  message: string;
  /** The digest that was judged. */
  digest?: string;
  /** `repo:tag@digest` as written in the pod, for pinning a validly signed tag (unset when already pinned). */
  pinned?: string;
}

export interface AdmissionJudgeOptions {
  store: TagStateStore;
  registries: readonly RegistryAccess[];
  keys: RepositoryKeys;
  /** Redis for the cache of live results; without it nothing is remembered. */
  redis?: RedisClient;
  prefix: string;
  unwatched: UnwatchedPolicy;
  liveBudgetMs: number;
  cacheTtlMs: number;
}

/** Hosts compare case-insensitively, and Docker Hub has three names. */
const hostKey = (host: string) => (isDockerHub(host) ? DOCKER_HUB : host.toLowerCase());

class BudgetExceeded extends Error {}

/** One image being judged: the reference as the container runtime will read it, its registry and its keys. */
interface Judging {
  image: string;
  ref: ImageReference;
  /** `ref` written out in full (`docker.io/library/nginx:latest`). */
  reference: string;
  registry: RegistryAccess;
  keys: PublicKeySet;
}

const denied = (j: Judging, verdict: Omit<ImageVerdict, 'image' | 'reference' | 'allowed'>): ImageVerdict => ({
  image: j.image,
  reference: j.reference,
  allowed: false,
  ...verdict,
});

function signedVerdict(j: Judging, digest: string, outcome: AdmissionOutcome): ImageVerdict {
  return {
    image: j.image,
    reference: j.reference,
    allowed: true,
    outcome,
    reason: 'SIGNED',
    digest,
    message: `${j.reference} is validly signed`,
    // A tag is pinned to the digest judged, so the pod runs what was judged; a digest reference needs nothing.
    ...(j.ref.digest ? {} : { pinned: `${j.image}@${digest}` }),
  };
}

function invalidReference(image: string, err: unknown): ImageVerdict {
  return {
    image,
    allowed: false,
    outcome: 'invalid-reference',
    reason: 'INVALID_REFERENCE',
    message: `image "${image}" is not a valid image reference (${(err as Error).message}); write it as host/repository:tag`,
  };
}

/**
 * What the verifier's state settles without a look at the registry: a standing violation denies whatever
 * else holds; a settled `signed` verdict on the digest asked for admits. Anything else is left to a live check.
 */
function answerFromState(j: Judging, state: TagState | undefined): ImageVerdict | undefined {
  if (!state) return undefined;
  const { ref } = j;
  if (state.flag === 'violation') {
    return denied(j, {
      outcome: 'cache-hit',
      reason: 'STANDING_VIOLATION',
      digest: state.digest,
      message:
        `image "${j.image}" is denied: the tag ${j.reference} has a standing violation (${reasonOf(state)}: it was overwritten by ${state.digest}, which is not validly signed). ` +
        `Push a validly signed image to the tag, then acknowledge it with \`signet ack ${j.registry.name}/${ref.repository}:${ref.tag}\`.`,
    });
  }
  // Only `signed` is trusted without a look, so a digest signed since the last scan is not refused on a stale `unsigned`.
  if (state.verdict === 'signed' && (!ref.digest || ref.digest === state.digest)) return signedVerdict(j, state.digest, 'cache-hit');
  return undefined;
}

/** The verdict of a live check's finding on `digest`. */
function verdictOfFinding(j: Judging, digest: string, finding: SignatureFinding): ImageVerdict {
  if (finding.kind === 'valid') return signedVerdict(j, digest, 'live');
  const invalid = finding.kind === 'invalid' ? finding : undefined;
  return denied(j, {
    outcome: 'live',
    reason: invalid ? 'INVALID_SIGNATURE' : 'UNSIGNED',
    digest,
    message: invalid
      ? `image "${j.image}" is denied: ${j.reference} (${digest}) has signatures, but none verifies for this reference with a key trusted for ${j.ref.repository} (${invalid.code}). Sign it with a trusted key.`
      : `image "${j.image}" is denied: ${j.reference} (${digest}) is not signed. Push it through the trusted CI so Signet signs it, or sign it with \`cosign sign --key <trusted key> ${j.reference.replace(/@.*$/, '')}@${digest}\`.`,
  });
}

/** Runs `work` until `deadline` (ms since the epoch); past it, rejects with BudgetExceeded. */
async function withinBudget<T>(work: Promise<T>, deadline: number): Promise<T> {
  work.catch(() => undefined); // a lookup outliving its budget must not surface as an unhandled rejection
  let timer: NodeJS.Timeout | undefined;
  const budget = new Promise<never>(
    (_, reject) => (timer = setTimeout(() => reject(new BudgetExceeded()), Math.max(0, deadline - Date.now()))),
  );
  return Promise.race([work, budget]).finally(() => clearTimeout(timer));
}

/**
 * Decides whether an image may run: validly signed, for its reference, by a key the verifier trusts for its
 * repository. The verifier's tag state answers first (a standing violation denies whatever else holds); a
 * digest it has no settled `signed` verdict on is verified live against the registry within the budget, and a
 * valid result remembered. Every failure to get an answer denies (fail-closed): unknown is not safe.
 */
export class AdmissionJudge {
  private readonly byHost = new Map<string, RegistryAccess>();

  constructor(private readonly opts: AdmissionJudgeOptions) {
    for (const r of opts.registries) this.byHost.set(hostKey(r.host), r);
  }

  async judge(image: string, o: { dryRun?: boolean; deadline?: number } = {}): Promise<ImageVerdict> {
    let ref: ImageReference;
    try {
      // As the container runtime will read it: `nginx` is `docker.io/library/nginx:latest`.
      ref = normalizeImageReference(image);
    } catch (err) {
      return invalidReference(image, err);
    }
    const reference = formatImageReference(ref);
    const registry = this.byHost.get(hostKey(ref.registry));
    if (!registry) return this.unwatched({ image, reference }, ref.registry);
    const j: Judging = { image, ref, reference, registry, keys: this.opts.keys.for(registry.name, ref.repository) };

    let state: TagState | undefined;
    try {
      state = ref.tag
        ? (await this.opts.store.read({ registry: registry.name, repository: ref.repository, tag: ref.tag })).state
        : undefined;
    } catch (err) {
      // Without the state a standing violation (a rollback to an old signed digest) cannot be seen: deny.
      return denied(j, {
        outcome: 'unreachable',
        reason: 'STATE_UNREADABLE',
        message: `image "${image}" is denied: Signet's tag state could not be read (${(err as Error).message}). Retry the deploy; if it persists, check Signet's Redis.`,
      });
    }
    const answered = answerFromState(j, state);
    if (answered) return answered;

    const known = ref.digest ?? (state && state.verdict !== 'error' ? state.digest : undefined);
    if (known && (await this.remembered(j, known))) return signedVerdict(j, known, 'cache-hit');
    return this.verifyLive(j, known, o.deadline ?? Date.now() + this.opts.liveBudgetMs, o.dryRun ?? false);
  }

  /** Asks the registry within the budget: the tag's digest unless `known`, then that digest's signatures. */
  private async verifyLive(j: Judging, known: string | undefined, deadline: number, dryRun: boolean): Promise<ImageVerdict> {
    const { ref, registry } = j;
    let digest = known;
    let finding: SignatureFinding | undefined;
    try {
      finding = await withinBudget(
        (async () => {
          digest ??= await registry.digestOf(ref.repository, ref.tag as string);
          if (digest === undefined) return undefined;
          const identity = { host: registry.host, repository: ref.repository, tag: ref.tag ?? '' };
          return judgeSignatures(await registry.signatures(ref.repository, digest), j.keys, digest, identity);
        })(),
        deadline,
      );
    } catch (err) {
      const timeout = err instanceof BudgetExceeded;
      const why = timeout
        ? `verifying it against registry ${registry.name} took longer than ${this.opts.liveBudgetMs} ms`
        : `registry ${registry.name} could not be asked (${isRegistryError(err) ? err.code : (err as Error).message})`;
      return denied(j, {
        outcome: timeout ? 'timeout' : 'unreachable',
        reason: timeout ? 'VERIFY_TIMEOUT' : 'REGISTRY_UNREACHABLE',
        ...(digest ? { digest } : {}),
        message: `image "${j.image}" is denied: Signet has no verdict on it and ${why}. Retry the deploy; if it persists, check that the registry is reachable from Signet.`,
      });
    }
    if (finding === undefined || digest === undefined) {
      return denied(j, {
        outcome: 'live',
        reason: 'TAG_NOT_FOUND',
        message: `image "${j.image}" is denied: ${j.reference} does not exist in registry ${registry.name}. Check the name and tag.`,
      });
    }
    // A lost cache write costs one more live check, nothing else.
    if (finding.kind === 'valid' && this.opts.redis && !dryRun)
      await this.opts.redis.set(this.cacheKey(j, digest), '1', 'PX', this.opts.cacheTtlMs).catch(() => undefined);
    return verdictOfFinding(j, digest, finding);
  }

  /** Whether a live check found `digest` validly signed for this reference and these keys within the cache TTL. */
  private async remembered(j: Judging, digest: string): Promise<boolean> {
    if (!this.opts.redis) return false;
    return (await this.opts.redis.exists(this.cacheKey(j, digest)).catch(() => 0)) === 1;
  }

  /** The cache entry of a valid live result: the digest, the reference it was judged for, and the keys that judged it. */
  private cacheKey(j: Judging, digest: string): string {
    const keyIds = j.keys.keys
      .map((k) => k.fingerprint.short)
      .sort()
      .join(',');
    const judged = `${digest}|${j.registry.host}/${j.ref.repository}:${j.ref.tag ?? ''}|${keyIds}`;
    return `${this.opts.prefix}:admission:` + createHash('sha256').update(judged).digest('base64url');
  }

  private unwatched(base: { image: string; reference: string }, host: string): ImageVerdict {
    const policy = this.opts.unwatched;
    const watched = [...this.byHost.values()].map((r) => r.host).join(', ');
    const message = `image "${base.image}" is from ${host}, a registry Signet does not watch (it watches ${watched}), so its signature cannot be vouched for. Use an image from a watched registry, or add ${host} to registries[].`;
    if (policy === 'deny') return { ...base, allowed: false, outcome: 'unwatched', reason: 'UNWATCHED_REGISTRY', message };
    return {
      ...base,
      allowed: true,
      outcome: 'unwatched',
      reason: 'UNWATCHED_REGISTRY',
      message,
      ...(policy === 'warn' ? { warning: `${base.reference}: from ${host}, a registry Signet does not watch; not verified` } : {}),
    };
  }
}

/** What the judge takes from `admission.*`; the CLI, which may run without that section, gives its own. */
export type AdmissionJudgeSettings = Pick<AdmissionConfig, 'unwatchedRegistries' | 'liveBudget' | 'cacheTtl'>;

/** The judge over the configured registries, the verifier's keys and the tag state in `redis`. */
export async function createAdmissionJudge(
  config: SignetConfig,
  redis: RedisClient,
  settings: AdmissionJudgeSettings | undefined = config.admission,
): Promise<{ judge: AdmissionJudge; close(): Promise<void> }> {
  const { verifier } = config;
  if (!verifier) throw new Error('the admission webhook needs the verifier section (its keys decide what is validly signed)');
  if (!settings) throw new Error('the admission section is missing from the configuration');
  const rules = await Promise.all(
    verifier.repositoryKeys.map(async (r) => ({ registry: r.registry, repositories: r.repositories, keys: await loadPublicKeys(r.keys) })),
  );
  const keys = new RepositoryKeys(await loadPublicKeys(verifier.keys), rules, await loadPublicKeys(verifier.revokedKeys));
  const registries = config.registries.map((r) =>
    registryAccess(r, { redis, prefix: config.redis.prefix, signatureLimits: verifier.signatureLimits }),
  );
  const judge = new AdmissionJudge({
    store: new TagStore(redis, config.redis.prefix),
    registries,
    keys,
    redis,
    prefix: config.redis.prefix,
    unwatched: settings.unwatchedRegistries,
    liveBudgetMs: settings.liveBudget,
    cacheTtlMs: settings.cacheTtl,
  });
  return { judge, close: async () => void (await Promise.all(registries.map((r) => r.close()))) };
}
