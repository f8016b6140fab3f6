import { SignetError } from '@signet/errors';
import { z } from 'zod';
import type { AdmissionJudge, AdmissionOutcome, ImageVerdict } from './judge';
import { containerImages, type ContainerImage } from './workloads';

export type AdmissionMode = 'enforce' | 'warn' | 'audit';

/** An AdmissionReview the API server would not send: answered 400, never judged. */
export class MalformedReviewError extends SignetError<'MALFORMED_REVIEW'> {
  constructor(message: string) {
    super('MALFORMED_REVIEW', message);
  }
}

const groupVersionKind = z.object({ group: z.string(), version: z.string(), kind: z.string() });
const reviewSchema = z.object({
  apiVersion: z.literal('admission.k8s.io/v1'),
  kind: z.literal('AdmissionReview'),
  request: z.object({
    uid: z.string().min(1),
    kind: groupVersionKind,
    subResource: z.string().optional(),
    name: z.string().optional(),
    namespace: z.string().optional(),
    operation: z.enum(['CREATE', 'UPDATE', 'DELETE', 'CONNECT']),
    object: z.unknown().optional(),
    oldObject: z.unknown().optional(),
    dryRun: z.boolean().optional(),
  }),
});
export type AdmissionRequest = z.output<typeof reviewSchema>['request'];

/** Validates the envelope (`apiVersion`, `kind`, `request.uid`...); the object itself is read defensively. */
export function parseAdmissionReview(body: unknown): AdmissionRequest {
  const parsed = reviewSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new MalformedReviewError(
      `not an admission.k8s.io/v1 AdmissionReview request: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}`,
    );
  }
  return parsed.data.request;
}

export interface ReviewPolicy {
  defaultMode: AdmissionMode;
  namespaces: Readonly<Record<string, AdmissionMode>>;
  excludedNamespaces: readonly string[];
  podsOnly: boolean;
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: { code: number; message: string };
  patchType?: 'JSONPatch';
  patch?: string;
  warnings?: string[];
  auditAnnotations?: Record<string, string>;
}

export interface ReviewResult {
  response: AdmissionResponse;
  mode: AdmissionMode | 'excluded' | 'ignored';
  /** The review's outcome: its slowest or worst image's (for metrics); `none` when nothing was judged. */
  outcome: AdmissionOutcome | 'none';
  decision: 'allowed' | 'denied' | 'warned';
  verdicts: ImageVerdict[];
}

const OUTCOME_RANK: AdmissionOutcome[] = ['timeout', 'unreachable', 'invalid-reference', 'live', 'unwatched', 'cache-hit'];
/** kubectl prints every warning; the API server truncates beyond these. */
const MAX_WARNINGS = 16;
const MAX_WARNING_LENGTH = 256;

const clip = (s: string) => (s.length > MAX_WARNING_LENGTH ? `${s.slice(0, MAX_WARNING_LENGTH - 1)}…` : s);

/**
 * The images a request brings, or undefined when it brings none to judge. Only a create, an update, or an
 * ephemeral container added through its subresource brings new images. An update is judged on the images it
 * adds: one already there was judged when it came, and every Pod is judged at creation. Re-judging the rest
 * would refuse, say, a finalizer's removal from a pod whose tag has since been overwritten, leaving it stuck
 * terminating.
 */
function imagesBrought(request: AdmissionRequest, policy: ReviewPolicy): ContainerImage[] | undefined {
  const subresourceJudged = request.subResource === undefined || request.subResource === 'ephemeralcontainers';
  if ((request.operation !== 'CREATE' && request.operation !== 'UPDATE') || !subresourceJudged) return undefined;
  const all = containerImages(request.kind.kind, request.object, { podsOnly: policy.podsOnly });
  if (request.operation !== 'UPDATE') return all;
  const before = new Set((containerImages(request.kind.kind, request.oldObject, { podsOnly: policy.podsOnly }) ?? []).map((i) => i.image));
  return all?.filter((i) => !before.has(i.image));
}

/**
 * Answers for the images denied, as the mode says: enforce refuses (403 listing each container and why), warn
 * admits with a warning per image, audit admits with an audit annotation. The mutating webhook never refuses.
 */
function answerDenials(
  request: AdmissionRequest,
  response: AdmissionResponse,
  denied: ImageVerdict[],
  images: ContainerImage[],
  mode: AdmissionMode,
  mutate: boolean,
): { decision: ReviewResult['decision']; warnings: string[] } {
  const where = (v: ImageVerdict) =>
    images
      .filter((i) => i.image === v.image)
      .map((i) => `${i.list}[${i.container}]`)
      .join(', ');
  if (mode === 'audit')
    response.auditAnnotations = { 'signet.dev/would-deny': clip(denied.map((v) => `${v.reference ?? v.image}: ${v.reason}`).join('; ')) };
  if (mode === 'warn')
    return { decision: 'warned', warnings: denied.map((v) => `Signet (warn mode) would deny ${v.reference ?? v.image}: ${v.reason}`) };
  if (mode !== 'enforce') return { decision: 'warned', warnings: [] };
  if (mutate) return { decision: 'allowed', warnings: [] };
  const ns = request.namespace ?? '';
  const message = denied.map((v) => `${where(v)}: ${v.message}`).join('\n');
  response.allowed = false;
  response.status = {
    code: 403,
    message: `Signet denied ${request.kind.kind}${request.name ? ` ${request.name}` : ''} in ${ns || '(cluster)'}:\n${message}`,
  };
  return { decision: 'denied', warnings: [] };
}

/** The JSON patch (base64) pinning each validly signed tag to the digest judged; undefined when none needs it. */
function pinningPatch(images: ContainerImage[], judged: ReadonlyMap<string, ImageVerdict>): string | undefined {
  const patch = images.flatMap((i) => {
    const pinned = judged.get(i.image)?.pinned;
    return pinned ? [{ op: 'replace', path: i.pointer, value: pinned }] : [];
  });
  return patch.length ? Buffer.from(JSON.stringify(patch)).toString('base64') : undefined;
}

/**
 * Judges every image of the request's object and answers as the API server expects. `mutate` adds a JSON
 * patch pinning each validly signed tag to the digest judged, and never denies (the validating webhook does).
 * `modeHint` is the mode the webhook configuration's path names (its namespace selector chose it); the
 * operator's per-namespace config overrides it.
 */
export async function reviewAdmission(
  request: AdmissionRequest,
  judge: AdmissionJudge,
  policy: ReviewPolicy,
  opts: { mutate: boolean; modeHint?: AdmissionMode | undefined; budgetMs?: number },
): Promise<ReviewResult> {
  const { uid } = request;
  const ns = request.namespace ?? '';
  const allow = (mode: ReviewResult['mode']): ReviewResult => ({
    response: { uid, allowed: true },
    mode,
    outcome: 'none',
    decision: 'allowed',
    verdicts: [],
  });
  if (policy.excludedNamespaces.includes(ns)) return allow('excluded');
  const images = imagesBrought(request, policy);
  if (!images || images.length === 0) return allow('ignored');
  const mode = policy.namespaces[ns] ?? opts.modeHint ?? policy.defaultMode;

  const deadline = opts.budgetMs === undefined ? undefined : Date.now() + opts.budgetMs;
  const unique = [...new Set(images.map((i) => i.image))];
  const judged = new Map(
    await Promise.all(
      unique.map(
        async (img) => [img, await judge.judge(img, { dryRun: request.dryRun === true, ...(deadline ? { deadline } : {}) })] as const,
      ),
    ),
  );
  const verdicts = [...judged.values()];
  const outcome = OUTCOME_RANK.find((o) => verdicts.some((v) => v.outcome === o)) ?? 'none';
  const denied = verdicts.filter((v) => !v.allowed);

  const response: AdmissionResponse = { uid, allowed: true };
  const answered = denied.length > 0 ? answerDenials(request, response, denied, images, mode, opts.mutate) : undefined;
  const warnings = [...verdicts.flatMap((v) => (v.warning ? [v.warning] : [])), ...(answered?.warnings ?? [])];
  if (warnings.length) response.warnings = warnings.slice(0, MAX_WARNINGS).map(clip);
  const patch = opts.mutate ? pinningPatch(images, judged) : undefined;
  if (patch) {
    response.patchType = 'JSONPatch';
    response.patch = patch;
  }
  return { response, mode, outcome, decision: answered?.decision ?? 'allowed', verdicts };
}

/** The body the API server expects: same apiVersion and kind, the request's uid echoed. */
export function admissionReviewResponse(response: AdmissionResponse): {
  apiVersion: 'admission.k8s.io/v1';
  kind: 'AdmissionReview';
  response: AdmissionResponse;
} {
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response };
}
