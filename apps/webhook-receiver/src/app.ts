import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from '@signet/observability';
import type { WebhookConfig } from '@signet/config';
import { isAcceptedContentType, authenticate, authenticatesHeaders, parseWebhook, pushJobId, WebhookPayloadError, type WebhookAuth } from '@signet/events';
import { errorHandler, HttpError, loggablePath } from './errors';
import { QueueUnavailableError, type Enqueuer } from './enqueue';
import type { ReceiverMetrics } from './metrics';

export interface ReceiverAppOptions {
  webhooks: WebhookConfig[];
  /** Where accepted events go (a PushEnqueuer on the service's `signet.push` queue). */
  enqueuer: Enqueuer;
  receiverMetrics: ReceiverMetrics;
  logger: Logger;
  bodyLimit: string;
}

/** Seconds a registry should wait before redelivering when Redis is down. */
const RETRY_AFTER_SECONDS = '5';

function eventsAuth(w: WebhookConfig): WebhookAuth {
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

/** The receiver's public express app: authenticate, parse, normalise, enqueue, answer. No registry calls here. */
export function createReceiverApp(opts: ReceiverAppOptions): express.Express {
  const { receiverMetrics: m, logger } = opts;
  const webhooks = new Map(opts.webhooks.map((w) => [w.name, { config: w, auth: eventsAuth(w) }]));
  const { enqueuer } = opts;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  // Only webhooks here: this port faces whoever can reach the receiver (registries, the internet through an
  // Ingress). Metrics, probes and the dashboard are on the ops listener (server.ts).
  const raw = express.raw({ type: () => true, limit: opts.bodyLimit });

  const handle = async (req: Request, res: Response, next: NextFunction) => {
    const name = String(req.params.name);
    const hook = webhooks.get(name);
    if (!hook) return next(new HttpError(404, `no webhook named "${name}"`));
    const started = process.hrtime.bigint();
    const label = hook.config.name;
    res.on('finish', () => {
      m.requests.inc({ webhook: label, status: String(res.statusCode) });
      m.duration.observe({ webhook: label }, Number(process.hrtime.bigint() - started) / 1e9);
    });
    const headers = req.headers;
    // Node keeps only the first of repeated Authorization headers in req.headers (and joins others): credentials
    // are read from every value sent, so a repeat is refused rather than resolved differently than a proxy would.
    const sentHeaders = req.headersDistinct;
    // Header-only credentials are checked before the body is read.
    if (hook.auth.type !== 'hmac-sha256') {
      const auth = authenticate(hook.auth, { headers: sentHeaders, rawBody: Buffer.alloc(0), pathSecret: req.params.secret ? String(req.params.secret) : undefined });
      if (!auth.ok) {
        m.authFailures.inc({ webhook: label });
        return next(new HttpError(401, `unauthorized: ${auth.reason}`));
      }
    }
    if (!isAcceptedContentType(hook.config.source, headers['content-type'])) {
      return next(new HttpError(415, `unsupported content type "${headers['content-type'] ?? ''}" for source ${hook.config.source}`));
    }
    raw(req, res, async (err?: unknown) => {
      if (err) return next(err);
      const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      if (hook.auth.type === 'hmac-sha256') {
        const auth = authenticate(hook.auth, { headers: sentHeaders, rawBody });
        if (!auth.ok) {
          m.authFailures.inc({ webhook: label });
          return next(new HttpError(401, `unauthorized: ${auth.reason}`));
        }
      }
      try {
        const parsed = parseWebhook({
          source: hook.config.source,
          registry: hook.config.registry,
          rawBody,
          headers,
          // Under an HMAC only the body is proven: identity must not come from headers (see authenticatesHeaders).
          headersAuthenticated: authenticatesHeaders(hook.auth),
          options: { imagePathPrefix: hook.config.options?.imagePathPrefix, maxEventAgeMs: hook.config.maxEventAge },
        });
        const ignored = parsed.ignored.reduce((n, i) => n + i.count, 0);
        const addStarted = process.hrtime.bigint();
        const { accepted, duplicates } = await enqueuer.enqueue(parsed.events);
        m.queueAdd.observe(Number(process.hrtime.bigint() - addStarted) / 1e9);
        const source = hook.config.source;
        if (accepted) m.events.inc({ webhook: label, source, result: 'accepted' }, accepted);
        if (duplicates) m.events.inc({ webhook: label, source, result: 'duplicate' }, duplicates);
        if (ignored) m.events.inc({ webhook: label, source, result: 'ignored' }, ignored);
        // One line per event, naming the sender's event id and the push job id: the signer's and verifier's lines
        // about the same push carry both (the counts are the whole body's: a redelivery counts as a duplicate).
        for (const e of parsed.events) {
          logger.info(
            { webhook: label, eventId: e.eventId, pushJobId: pushJobId(e), kind: e.kind, registry: e.registry, repository: e.repository, tag: e.tag, digest: e.digest, actor: e.actor, accepted, duplicates },
            'push event queued',
          );
        }
        res.status(202).json({ accepted, duplicates, ignored });
      } catch (e) {
        if (e instanceof WebhookPayloadError) return next(new HttpError(400, e.message, e.details));
        if (e instanceof QueueUnavailableError) {
          logger.warn({ webhook: label, err: e.message }, 'queue unavailable; asking the sender to retry');
          return next(new HttpError(503, 'queue unavailable, retry later', [], { 'retry-after': RETRY_AFTER_SECONDS }));
        }
        next(e);
      }
    });
  };

  app.post('/webhooks/:name', handle);
  app.post('/webhooks/:name/:secret', handle);
  app.use((_req: Request, _res: Response, next: NextFunction) => next(new HttpError(404, 'not found')));
  app.use(errorHandler((err, req) => logger.error({ err, path: loggablePath(req.path) }, 'unexpected error')));
  return app;
}
