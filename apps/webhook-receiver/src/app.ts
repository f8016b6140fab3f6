import express, { type NextFunction, type Request, type Response } from 'express';
import { errorHandler, HttpError, loggablePath } from './errors';
import { createWebhookHandler, type WebhookHandlerOptions } from './webhook-handler';

export type ReceiverAppOptions = WebhookHandlerOptions;

/** The receiver's public express app: the webhook routes, a JSON 404 for everything else, and one error handler. */
export function createReceiverApp(opts: ReceiverAppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // Only webhooks here: this port faces whoever can reach the receiver (registries, the internet through an
  // Ingress). Metrics, probes and the dashboard are on the ops listener (service.ts).
  const handle = createWebhookHandler(opts);
  app.post('/webhooks/:name', handle);
  app.post('/webhooks/:name/:secret', handle);
  app.use((_req: Request, _res: Response, next: NextFunction) => next(new HttpError(404, 'not found')));
  app.use(errorHandler((err, req) => opts.logger.error({ err, path: loggablePath(req.path) }, 'unexpected error')));
  return app;
}
