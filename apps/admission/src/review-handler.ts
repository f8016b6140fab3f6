import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@signet/observability';
import {
  admissionReviewResponse,
  MalformedReviewError,
  parseAdmissionReview,
  reviewAdmission,
  type AdmissionMode,
  type AdmissionRequest,
  type ReviewPolicy,
  type ReviewResult,
} from '@signet/verification';
import type { AdmissionMetrics } from './metrics';

type Judge = Parameters<typeof reviewAdmission>[1];

export interface ReviewHandlerOptions {
  judge: Judge;
  policy: ReviewPolicy;
  /** How long a review may wait on a live check before it answers from what it has. */
  liveBudget: number;
  metrics: AdmissionMetrics;
  logger: Logger;
}

/** The API server sends objects up to etcd's 1.5 MiB limit, wrapped in the review with the old object. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;
const MODES = new Set<string>(['enforce', 'warn', 'audit']);

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, 'BODY_TOO_LARGE', `an AdmissionReview is at most ${MAX_BODY_BYTES} bytes`));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** `/validate` or `/mutate`, and the mode a webhook configuration's namespace selector chose (`/validate/warn`). */
function routeOf(url: string | undefined): { webhook: 'validate' | 'mutate'; hint?: string } | undefined {
  const { pathname } = new URL(url ?? '/', 'https://admission.invalid');
  // A service path takes no query, so the mode is a path segment.
  const route = /^\/(validate|mutate)(?:\/([^/]+))?$/.exec(pathname);
  if (!route) return undefined;
  return { webhook: route[1] as 'validate' | 'mutate', ...(route[2] !== undefined ? { hint: route[2] } : {}) };
}

async function readReview(req: IncomingMessage): Promise<AdmissionRequest> {
  const raw = await readBody(req);
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new MalformedReviewError('the body is not JSON');
  }
  return parseAdmissionReview(body);
}

/** Counts the review and logs its images: at debug when all were allowed, else at warn with why. */
function recordReview(opts: ReviewHandlerOptions, webhook: string, request: AdmissionRequest, result: ReviewResult, seconds: number): void {
  const { metrics: m, logger } = opts;
  m.reviews.labels(webhook, result.outcome, result.decision).inc();
  m.latency.labels(webhook, result.outcome).observe(seconds);
  for (const v of result.verdicts) m.images.labels(v.outcome, v.reason).inc();
  if (result.verdicts.length === 0) return;
  const log = {
    uid: request.uid,
    webhook,
    namespace: request.namespace,
    kind: request.kind.kind,
    name: request.name,
    mode: result.mode,
    dryRun: request.dryRun === true,
    decision: result.decision,
    outcome: result.outcome,
    ms: Math.round(seconds * 1000),
    images: result.verdicts.map((v) => ({ image: v.image, digest: v.digest, outcome: v.outcome, reason: v.reason })),
  };
  if (result.decision === 'allowed') logger.debug(log, 'admission review');
  else
    logger.warn(
      { ...log, why: result.verdicts.filter((v) => !v.allowed).map((v) => v.message) },
      'admission review found images that are not validly signed',
    );
}

/** Answers POST /validate[/<mode>] and /mutate[/<mode>] with an AdmissionReview response. */
export function createReviewHandler(opts: ReviewHandlerOptions): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    const started = process.hrtime.bigint();
    const send = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
    };
    const route = routeOf(req.url);
    if (!route) return send(404, { error: 'not found', code: 'NOT_FOUND' });
    if (req.method !== 'POST') return send(405, { error: 'POST an AdmissionReview', code: 'METHOD_NOT_ALLOWED' });
    const { webhook, hint } = route;
    try {
      if (hint !== undefined && !MODES.has(hint))
        throw new HttpError(
          404,
          'UNKNOWN_MODE',
          `no such webhook: the mode in /${webhook}/<mode> is enforce, warn or audit, not "${hint}"`,
        );
      const request = await readReview(req);
      const result = await reviewAdmission(request, opts.judge, opts.policy, {
        mutate: webhook === 'mutate',
        modeHint: hint as AdmissionMode | undefined,
        budgetMs: opts.liveBudget,
      });
      send(200, admissionReviewResponse(result.response));
      recordReview(opts, webhook, request, result, Number(process.hrtime.bigint() - started) / 1e9);
    } catch (err) {
      const known =
        err instanceof MalformedReviewError ? new HttpError(400, err.code, err.message) : err instanceof HttpError ? err : undefined;
      opts.metrics.reviews.labels(webhook, known ? 'malformed' : 'error', 'error').inc();
      if (!known) opts.logger.error({ err, webhook }, 'admission review failed');
      if (res.headersSent) return;
      send(known?.status ?? 500, { error: known?.message ?? 'internal error', code: known?.code ?? 'INTERNAL' });
    }
  };
}
