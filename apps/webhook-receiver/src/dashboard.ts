import express from 'express';
import { timingSafeEqual, createHash } from 'node:crypto';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { SignetConfig } from '@signet/config';
import type { Logger } from '@signet/observability';
import { errorHandler, HttpError } from './errors';

const BASE_PATH = '/admin/queues';
/**
 * Opens the queues the dashboard shows, once, when it is on. The service owns them: it closes them with the
 * rest of what it opened.
 */
export type DashboardQueues = () => Array<ConstructorParameters<typeof BullMQAdapter>[0]>;
const same = (a: string, b: string) => timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());

/** Loopback as a socket reports it: IPv4, IPv6, and IPv4 mapped into IPv6. */
const isLoopback = (address: string | undefined): boolean =>
  Boolean(address && (address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.')));

/**
 * bull-board at /admin/queues, off unless configured, behind basic auth, and read-only: a job added, retried or
 * promoted there is a push the signer would act on (a forged `actor: ci-bot` gets any digest signed), so only
 * GET and HEAD pass, and bull-board's own read-only mode hides and refuses its actions as a second guard.
 */
export function mountDashboard(app: express.Express, config: SignetConfig, openQueues: DashboardQueues, logger: Logger): void {
  const dash = config.receiver.dashboard;
  if (!dash?.enabled || !dash.password) return;
  const adapter = new ExpressAdapter();
  adapter.setBasePath(BASE_PATH);
  createBullBoard({
    queues: openQueues().map((queue) => new BullMQAdapter(queue, { readOnlyMode: true })),
    serverAdapter: adapter,
  });
  const user = dash.username;
  const password = dash.password.reveal();
  app.use(BASE_PATH, (req, res, next) => {
    // The ops port is open to probes and Prometheus; the queues' contents are not, unless allowRemote says so.
    // Checked before the password, so nobody beyond the pod can guess at it.
    if (!dash.allowRemote && !isLoopback(req.socket.remoteAddress)) {
      res.status(403).json({
        error: 'the queue dashboard answers loopback clients only (kubectl port-forward), see receiver.dashboard.allowRemote',
        details: [],
      });
      return;
    }
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
  logger.info({ path: BASE_PATH, allowRemote: dash.allowRemote }, 'queue dashboard (read-only) on the ops listener');
}

/** What the ops listener serves besides its own paths: the dashboard when configured, else a 404 JSON. */
export function createOpsFallbackApp(config: SignetConfig, openQueues: DashboardQueues, logger: Logger): express.Express {
  const app = express();
  app.disable('x-powered-by');
  mountDashboard(app, config, openQueues, logger);
  app.use((_req, _res, next) => next(new HttpError(404, 'not found')));
  app.use(errorHandler((err) => logger.error({ err }, 'unexpected error on the ops listener')));
  return app;
}
