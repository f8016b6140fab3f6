import type express from 'express';
import { timingSafeEqual, createHash } from 'node:crypto';
import { Queue } from 'bullmq';
import type { Cluster, Redis } from 'ioredis';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { SignetConfig } from '@signet/config';
import type { Logger } from '@signet/observability';
import { ALL_QUEUES } from '@signet/queue';

const same = (a: string, b: string) => timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());

/** bull-board at /admin/queues, off unless configured, behind basic auth. */
export function mountDashboard(app: express.Express, config: SignetConfig, connection: Redis | Cluster, logger: Logger): void {
  const dash = config.receiver.dashboard;
  if (!dash?.enabled || !dash.password) return;
  const adapter = new ExpressAdapter();
  adapter.setBasePath('/admin/queues');
  createBullBoard({
    queues: ALL_QUEUES.map((name) => new BullMQAdapter(new Queue(name, { connection, prefix: config.redis.prefix }))),
    serverAdapter: adapter,
  });
  const user = dash.username;
  const password = dash.password.reveal();
  app.use('/admin/queues', (req, res, next) => {
    const header = req.headers.authorization ?? '';
    const given = header.startsWith('Basic ') ? Buffer.from(header.slice(6), 'base64').toString() : '';
    const i = given.indexOf(':');
    if (i >= 0 && same(given.slice(0, i), user) && same(given.slice(i + 1), password)) return next();
    res.status(401).set('www-authenticate', 'Basic realm="signet"').json({ error: 'unauthorized', details: [] });
  });
  app.use('/admin/queues', adapter.getRouter());
  logger.info('queue dashboard at /admin/queues');
}
