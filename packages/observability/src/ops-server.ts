import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry as MetricsRegistry } from 'prom-client';

export interface OpsServerOptions {
  port: number;
  host?: string;
  metrics: MetricsRegistry;
  /** Readiness: dependencies reachable (Redis, key loaded). Liveness is just "the event loop answers". */
  ready: () => Promise<boolean>;
  /** Answers every other path (the receiver's queue dashboard); without it they get 404. */
  fallback?: RequestListener;
}

export interface OpsServer {
  port: number;
  close(): Promise<void>;
}

/** The small HTTP server every worker exposes: `/metrics`, `/healthz`, `/readyz`. */
export async function startOpsServer(opts: OpsServerOptions): Promise<OpsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type }).end(body);
    };
    if (opts.fallback && path !== '/healthz' && path !== '/readyz' && path !== '/metrics') return opts.fallback(req, res);
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'application/json', '{"error":"method not allowed"}');
    if (path === '/healthz') return send(200, 'application/json', '{"status":"ok"}');
    if (path === '/readyz') {
      opts.ready().then(
        (ok) => send(ok ? 200 : 503, 'application/json', JSON.stringify({ status: ok ? 'ready' : 'not ready' })),
        () => send(503, 'application/json', '{"status":"not ready"}'),
      );
      return;
    }
    if (path === '/metrics') {
      opts.metrics.metrics().then(
        (text) => send(200, opts.metrics.contentType, text),
        (e: Error) => send(500, 'text/plain', e.message),
      );
      return;
    }
    send(404, 'application/json', '{"error":"not found"}');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
