import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SignetConfig } from '@signet/config';
import { SignetError } from '@signet/errors';
import { Counter, createMetricsRegistry, Histogram, LATENCY_BUCKETS, startOpsServer, type Logger, type MetricsRegistry } from '@signet/observability';
import { connectionFactory, whenConnected } from '@signet/queue';
import { admissionReviewResponse, createAdmissionJudge, MalformedReviewError, parseAdmissionReview, reviewAdmission, type AdmissionMode, type ReviewPolicy } from '@signet/verification';

export interface RunningAdmission {
  /** HTTPS port of /validate and /mutate. */
  port: number;
  /** Plain HTTP port of /metrics, /healthz, /readyz. */
  opsPort: number;
  metrics: MetricsRegistry;
  /** Reads the certificate files again now (also done every `tls.reloadInterval`); true when they changed. */
  reloadCertificate(): boolean;
  close(): Promise<void>;
}

export interface StartOptions {
  logger: Logger;
  /** Override `admission.port` (0 = any free port). */
  port?: number;
  /** Override `admission.opsPort`. */
  opsPort?: number;
}

/** The API server sends objects up to etcd's 1.5 MiB limit, wrapped in the review with the old object. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;
const MODES = new Set<string>(['enforce', 'warn', 'audit']);

class HttpError extends SignetError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
  ) {
    super(code, message);
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

/** Starts the admission webhook: HTTPS /validate and /mutate, and the ops server. */
export async function startAdmission(config: SignetConfig, opts: StartOptions): Promise<RunningAdmission> {
  const admission = config.admission;
  if (!admission) throw new Error('the admission section is missing from the configuration');
  const { logger } = opts;
  const conn = connectionFactory(config.redis, { logger });
  // Fail fast: a review waits on Redis for no longer than its budget allows, and then denies.
  const redis = conn('producer');
  // With Redis down it starts anyway, reports not ready, and denies what it cannot judge.
  await whenConnected(redis, 5000);
  const { judge, close: closeJudge } = await createAdmissionJudge(config, redis);
  const policy: ReviewPolicy = { defaultMode: admission.defaultMode, namespaces: admission.namespaces, excludedNamespaces: admission.excludedNamespaces, podsOnly: admission.podsOnly };

  const metrics = createMetricsRegistry('admission');
  const reviews = new Counter({
    name: 'signet_admission_reviews_total',
    help: 'AdmissionReviews answered, by how the verdict was reached (cache-hit, live, unreachable, timeout, unwatched, invalid-reference, none, malformed) and the decision.',
    labelNames: ['webhook', 'outcome', 'decision'],
    registers: [metrics],
  });
  const images = new Counter({ name: 'signet_admission_images_total', help: 'Images judged, by outcome and reason code.', labelNames: ['outcome', 'reason'], registers: [metrics] });
  const latency = new Histogram({ name: 'signet_admission_review_duration_seconds', help: 'Time to answer one AdmissionReview.', labelNames: ['webhook', 'outcome'], buckets: LATENCY_BUCKETS, registers: [metrics] });
  const certReloads = new Counter({ name: 'signet_admission_certificate_reloads_total', help: 'Serving certificate reloads, by result.', labelNames: ['result'], registers: [metrics] });

  let certHash = '';
  const readPair = () => {
    const cert = readFileSync(admission.tls.certFile);
    const key = readFileSync(admission.tls.keyFile);
    return { cert, key, hash: createHash('sha256').update(cert).update(key).digest('hex') };
  };
  const first = readPair();
  certHash = first.hash;
  // `handle` is defined below; the server calls it only once listening.
  const server: Server = createServer({ cert: first.cert, key: first.key }, (req, res) => void handle(req, res));
  const reloadCertificate = (): boolean => {
    try {
      const pair = readPair();
      if (pair.hash === certHash) return false;
      // A pair caught half-rotated fails here and is tried again on the next tick; the old one keeps serving.
      server.setSecureContext({ cert: pair.cert, key: pair.key });
      certHash = pair.hash;
      certReloads.labels('ok').inc();
      logger.info({ certFile: admission.tls.certFile }, 'serving certificate reloaded');
      return true;
    } catch (err) {
      certReloads.labels('error').inc();
      logger.warn({ err, certFile: admission.tls.certFile }, 'serving certificate could not be reloaded; the previous one stays in use');
      return false;
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const started = process.hrtime.bigint();
    const url = new URL(req.url ?? '/', 'https://admission.invalid');
    const send = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
    };
    // `/validate/warn`: the mode a webhook configuration's namespace selector chose (a service path takes no query).
    const route = /^\/(validate|mutate)(?:\/([^/]+))?$/.exec(url.pathname);
    const webhook = route?.[1];
    if (!webhook) return send(404, { error: 'not found', code: 'NOT_FOUND' });
    if (req.method !== 'POST') return send(405, { error: 'POST an AdmissionReview', code: 'METHOD_NOT_ALLOWED' });
    const hint = route[2];
    try {
      if (hint !== undefined && !MODES.has(hint)) throw new HttpError(404, 'UNKNOWN_MODE', `no such webhook: the mode in /${webhook}/<mode> is enforce, warn or audit, not "${hint}"`);
      const raw = await readBody(req);
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        throw new MalformedReviewError('the body is not JSON');
      }
      const request = parseAdmissionReview(body);
      const result = await reviewAdmission(request, judge, policy, { mutate: webhook === 'mutate', modeHint: hint as AdmissionMode | undefined, budgetMs: admission.liveBudget });
      send(200, admissionReviewResponse(result.response));
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      reviews.labels(webhook, result.outcome, result.decision).inc();
      latency.labels(webhook, result.outcome).observe(seconds);
      for (const v of result.verdicts) images.labels(v.outcome, v.reason).inc();
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
      else logger.warn({ ...log, why: result.verdicts.filter((v) => !v.allowed).map((v) => v.message) }, 'admission review found images that are not validly signed');
    } catch (err) {
      const known = err instanceof MalformedReviewError ? new HttpError(400, err.code, err.message) : err instanceof HttpError ? err : undefined;
      reviews.labels(webhook, known ? 'malformed' : 'error', 'error').inc();
      if (!known) logger.error({ err, webhook }, 'admission review failed');
      if (res.headersSent) return;
      send(known?.status ?? 500, { error: known?.message ?? 'internal error', code: known?.code ?? 'INTERNAL' });
    }
  };

  const srv = server;
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(opts.port ?? admission.port, admission.host, () => resolve());
  });
  const timer = setInterval(reloadCertificate, admission.tls.reloadInterval);
  timer.unref();
  const ops = await startOpsServer({ port: opts.opsPort ?? admission.opsPort, metrics, ready: async () => (await redis.ping()) === 'PONG' });
  const port = (srv.address() as AddressInfo).port;
  logger.info({ port, opsPort: ops.port, registries: config.registries.map((r) => r.host), defaultMode: admission.defaultMode, unwatchedRegistries: admission.unwatchedRegistries }, 'admission webhook started');
  return {
    port,
    opsPort: ops.port,
    metrics,
    reloadCertificate,
    async close() {
      clearInterval(timer);
      await new Promise<void>((r) => {
        srv.closeAllConnections();
        srv.close(() => r());
      });
      await ops.close();
      await closeJudge();
      await redis.quit().catch(() => undefined);
    },
  };
}
