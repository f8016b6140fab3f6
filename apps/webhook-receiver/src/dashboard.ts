import express from 'express';
import { timingSafeEqual, createHash } from 'node:crypto';
import { Queue } from 'bullmq';
import type { Cluster, Redis } from 'ioredis';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { SignetConfig } from '@signet/config';
import type { Logger } from '@signet/observability';
import { ALL_QUEUES } from '@signet/queue';
import { errorHandler, HttpError } from './errors';

const BASE_PATH = '/admin/queues';
const same = (a: string, b: string) => timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());

/** Whether the configured dashboard goes on the public webhook listener (only when loudly asked to). */
export const dashboardOnWebhookListener = (config: SignetConfig): boolean =>
  Boolean(config.receiver.dashboard?.enabled && config.receiver.dashboard.dangerouslyServeOnWebhookListener);

/** Whether the configured dashboard gets the admin listener of its own. */
export const dashboardOnAdminListener = (config: SignetConfig): boolean =>
  Boolean(config.receiver.dashboard?.enabled && !config.receiver.dashboard.dangerouslyServeOnWebhookListener);

/**
 * bull-board at /admin/queues, off unless configured, behind basic auth, and read-only: a job added, retried or
 * promoted there is a push the signer would act on (a forged `actor: ci-bot` gets any digest signed), so only
 * GET and HEAD pass, and bull-board's own read-only mode hides and refuses its actions as a second guard.
 */
export function mountDashboard(app: express.Express, config: SignetConfig, connection: Redis | Cluster, logger: Logger): void {
  const dash = config.receiver.dashboard;
  if (!dash?.enabled || !dash.password) return;
  const adapter = new ExpressAdapter();
  adapter.setBasePath(BASE_PATH);
  createBullBoard({
    queues: ALL_QUEUES.map((name) => new BullMQAdapter(new Queue(name, { connection, prefix: config.redis.prefix }), { readOnlyMode: true })),
    serverAdapter: adapter,
  });
  const user = dash.username;
  const password = dash.password.reveal();
  app.use(BASE_PATH, (req, res, next) => {
    const header = req.headers.authorization ?? '';
    const given = header.startsWith('Basic ') ? Buffer.from(header.slice(6), 'base64').toString() : '';
    const i = given.indexOf(':');
    if (i < 0 || !same(given.slice(0, i), user) || !same(given.slice(i + 1), password)) {
      res.status(401).set('www-authenticate', 'Basic realm="signet"').json({ error: 'unauthorized', details: [] });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.status(405).set('allow', 'GET, HEAD').json({ error: 'the queue dashboard is read-only', details: [] });
      return;
    }
    next();
  });
  app.use(BASE_PATH, adapter.getRouter());
  if (dash.dangerouslyServeOnWebhookListener) logger.warn({ path: BASE_PATH }, 'queue dashboard on the public webhook listener (receiver.dashboard.dangerouslyServeOnWebhookListener)');
  else logger.info({ path: BASE_PATH }, 'queue dashboard (read-only) on the admin listener');
}

/** The admin listener's app: the dashboard and nothing else. */
export function createAdminApp(config: SignetConfig, connection: Redis | Cluster, logger: Logger): express.Express {
  const app = express();
  app.disable('x-powered-by');
  mountDashboard(app, config, connection, logger);
  app.use((_req, _res, next) => next(new HttpError(404, 'not found')));
  app.use(errorHandler((err) => logger.error({ err }, 'unexpected error on the admin listener')));
  return app;
}
