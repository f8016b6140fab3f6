import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from './process';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  receivedAt: number;
}

export interface RequestRecorder {
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** Status answered from now on (simulates a failing endpoint). */
  status: number;
  /** Resolves once `predicate` holds for the recorded requests. */
  waitFor(predicate: (reqs: RecordedRequest[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** An in-process HTTP sink that records every request (registry notifications, Alertmanager webhooks). */
export async function startRecorder(status = 200): Promise<RequestRecorder> {
  const requests: RecordedRequest[] = [];
  const state = { status };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks),
        receivedAt: Date.now(),
      });
      res.writeHead(state.status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    get status() {
      return state.status;
    },
    set status(s: number) {
      state.status = s;
    },
    waitFor: (predicate, timeoutMs = 10_000) => waitFor(() => predicate(requests), timeoutMs, 'recorded requests'),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
