import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { IncomingHttpHeaders } from 'node:http';
import type { WebhookConfig } from '@signet/config';
import {
  authenticate,
  authenticatesHeaders,
  isAcceptedContentType,
  parseWebhook,
  pushJobId,
  WebhookPayloadError,
  type WebhookAuth,
} from '@signet/events';
import type { Logger } from '@signet/observability';
import { QueueUnavailableError, type EnqueueResult, type Enqueuer } from './enqueue';
import { HttpError } from './errors';
import type { ReceiverMetrics } from './metrics';

export interface WebhookHandlerOptions {
  webhooks: WebhookConfig[];
  /** Where accepted events go (a PushEnqueuer on the service's `signet.push` queue). */
  enqueuer: Enqueuer;
  receiverMetrics: ReceiverMetrics;
  logger: Logger;
  bodyLimit: string;
}

interface Hook {
  config: WebhookConfig;
  auth: WebhookAuth;
}

/** Seconds a registry should wait before redelivering when Redis is down. */
const RETRY_AFTER_SECONDS = '5';

/** A webhook's configured authentication, with its secrets revealed, as @signet/events checks it. */
export function eventsAuth(w: WebhookConfig): WebhookAuth {
  const a = w.auth;
  switch (a.type) {
    case 'none':
      return { type: 'none' };
    case 'bearer':
      return { type: 'bearer', token: a.token.reveal() };
    case 'header':
      return { type: 'header', name: a.header, value: a.value.reveal() };
    case 'basic':
      return { type: 'basic', username: a.username, password: a.password.reveal() };
    case 'hmac-sha256':
      return { type: 'hmac-sha256', secret: a.secret.reveal(), header: a.header, prefix: a.prefix };
    case 'path-secret':
      return { type: 'path-secret', secret: a.secret.reveal() };
  }
}

/** Counts the request and its duration once it is answered, whatever the answer. */
function instrument(m: ReceiverMetrics, webhook: string, res: Response): void {
  const started = process.hrtime.bigint();
  res.on('finish', () => {
    m.requests.inc({ webhook, status: String(res.statusCode) });
    m.duration.observe({ webhook }, Number(process.hrtime.bigint() - started) / 1e9);
  });
}

/** 401 unless the sender proved who it is. */
function authorize(hook: Hook, m: ReceiverMetrics, proof: Parameters<typeof authenticate>[1]): void {
  const auth = authenticate(hook.auth, proof);
  if (auth.ok) return;
  m.authFailures.inc({ webhook: hook.config.name });
  throw new HttpError(401, `unauthorized: ${auth.reason}`);
}

/** The body, read by express.raw within the body limit (its errors keep their body-parser type). */
function readRawBody(raw: RequestHandler, req: Request, res: Response): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    void raw(req, res, (err?: unknown) => (err ? reject(err) : resolve(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0))));
  });
}

/** Parses the body into events, queues them, counts and logs them. */
async function accept(
  opts: WebhookHandlerOptions,
  hook: Hook,
  headers: IncomingHttpHeaders,
  rawBody: Buffer,
): Promise<EnqueueResult & { ignored: number }> {
  const { receiverMetrics: m, logger } = opts;
  const { name: webhook, source } = hook.config;
  const parsed = parseWebhook({
    source,
    registry: hook.config.registry,
    rawBody,
    headers,
    // Under an HMAC only the body is proven: identity must not come from headers (see authenticatesHeaders).
    headersAuthenticated: authenticatesHeaders(hook.auth),
    options: { imagePathPrefix: hook.config.options?.imagePathPrefix, maxEventAgeMs: hook.config.maxEventAge },
  });
  const ignored = parsed.ignored.reduce((n, i) => n + i.count, 0);
  const addStarted = process.hrtime.bigint();
  const { accepted, duplicates } = await opts.enqueuer.enqueue(parsed.events);
  m.queueAdd.observe(Number(process.hrtime.bigint() - addStarted) / 1e9);
  if (accepted) m.events.inc({ webhook, source, result: 'accepted' }, accepted);
  if (duplicates) m.events.inc({ webhook, source, result: 'duplicate' }, duplicates);
  if (ignored) m.events.inc({ webhook, source, result: 'ignored' }, ignored);
  // One line per event, naming the sender's event id and the push job id: the signer's and verifier's lines
  // about the same push carry both (the counts are the whole body's: a redelivery counts as a duplicate).
  for (const e of parsed.events) {
    logger.info(
      {
        webhook,
        eventId: e.eventId,
        pushJobId: pushJobId(e),
        kind: e.kind,
        registry: e.registry,
        repository: e.repository,
        tag: e.tag,
        digest: e.digest,
        actor: e.actor,
        accepted,
        duplicates,
      },
      'push event queued',
    );
  }
  return { accepted, duplicates, ignored };
}

/** What the sender is told about a failure to accept its body: its own mistake (400), or retry later (503). */
function acceptFailure(err: unknown, webhook: string, logger: Logger): unknown {
  if (err instanceof WebhookPayloadError) return new HttpError(400, err.message, err.details);
  if (err instanceof QueueUnavailableError) {
    logger.warn({ webhook, err: err.message }, 'queue unavailable; asking the sender to retry');
    return new HttpError(503, 'queue unavailable, retry later', [], { 'retry-after': RETRY_AFTER_SECONDS });
  }
  return err;
}

/**
 * `POST /webhooks/:name[/:secret]`: authenticate (header credentials before the body is read, an HMAC after),
 * check the content type, parse, normalise, enqueue, answer 202. No registry calls here.
 */
export function createWebhookHandler(opts: WebhookHandlerOptions): (req: Request, res: Response, next: NextFunction) => Promise<void> {
  const { receiverMetrics: m } = opts;
  const hooks = new Map<string, Hook>(opts.webhooks.map((w) => [w.name, { config: w, auth: eventsAuth(w) }]));
  const raw = express.raw({ type: () => true, limit: opts.bodyLimit });
  return async (req, res, next) => {
    const name = String(req.params.name);
    const hook = hooks.get(name);
    if (!hook) return next(new HttpError(404, `no webhook named "${name}"`));
    instrument(m, hook.config.name, res);
    // Node keeps only the first of repeated Authorization headers in req.headers (and joins others): credentials
    // are read from every value sent, so a repeat is refused rather than resolved differently than a proxy would.
    const sentHeaders = req.headersDistinct;
    let rawBody: Buffer;
    try {
      if (hook.auth.type !== 'hmac-sha256') {
        authorize(hook, m, {
          headers: sentHeaders,
          rawBody: Buffer.alloc(0),
          pathSecret: req.params.secret ? String(req.params.secret) : undefined,
        });
      }
      if (!isAcceptedContentType(hook.config.source, req.headers['content-type'])) {
        throw new HttpError(415, `unsupported content type "${req.headers['content-type'] ?? ''}" for source ${hook.config.source}`);
      }
      rawBody = await readRawBody(raw, req, res);
      if (hook.auth.type === 'hmac-sha256') authorize(hook, m, { headers: sentHeaders, rawBody });
    } catch (err) {
      return next(err);
    }
    try {
      res.status(202).json(await accept(opts, hook, req.headers, rawBody));
    } catch (err) {
      next(acceptFailure(err, hook.config.name, opts.logger));
    }
  };
}
