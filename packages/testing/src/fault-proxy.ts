import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What the proxy does with one request; `undefined` forwards it untouched. */
export type Fault =
  | { kind: 'respond'; status: number; headers?: Record<string, string>; body?: string }
  | { kind: 'reset' }
  | { kind: 'forward-then-reset' }
  | { kind: 'lie-digest' };

export interface ProxiedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  forwarded: boolean;
}

export interface FaultProxy {
  url: string;
  seen: ProxiedRequest[];
  /** Decides per request; called with the request and the count of earlier requests with the same method and path. */
  fault: (req: IncomingMessage, nth: number) => Fault | undefined;
  forwardedCount(method: string, pathPart: string): number;
  close(): Promise<void>;
}

/**
 * A small HTTP proxy in front of a real registry that injects faults: error statuses, connection resets
 * (before or after the registry saw the request) and a lying Docker-Content-Digest.
 */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const targetUrl = new URL(target);
  const counts = new Map<string, number>();
  const sockets = new Set<Socket>();
  const proxy: FaultProxy = {
    url: '',
    seen: [],
    fault: () => undefined,
    forwardedCount: (method, part) => proxy.seen.filter((s) => s.forwarded && s.method === method && s.path.includes(part)).length,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const key = `${req.method} ${req.url}`;
    const nth = counts.get(key) ?? 0;
    counts.set(key, nth + 1);
    const fault = proxy.fault(req, nth);
    const record: ProxiedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, forwarded: false };
    proxy.seen.push(record);
    if (fault?.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'respond') {
      req.resume();
      res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
      res.end(fault.body ?? '');
      return;
    }
    record.forwarded = true;
    const upstream = request(
      { host: targetUrl.hostname, port: targetUrl.port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        if (fault?.kind === 'forward-then-reset') {
          up.resume();
          up.on('end', () => req.socket.destroy());
          return;
        }
        const headers = { ...up.headers };
        if (fault?.kind === 'lie-digest' && headers['docker-content-digest']) headers['docker-content-digest'] = 'sha256:' + '0'.repeat(64);
        res.writeHead(up.statusCode ?? 502, headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => req.socket.destroy());
    req.pipe(upstream);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}
