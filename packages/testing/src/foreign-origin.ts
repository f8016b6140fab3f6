import { randomBytes, sign, X509Certificate } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TestCertificate } from './certificates';

export interface SeenRequest {
  method: string;
  path: string;
  authorization: string | undefined;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => void;

/** An origin other than the registry's (another loopback port), recording every request it is sent. */
export interface ForeignOrigin {
  url: string;
  seen: SeenRequest[];
  handler: Handler;
  close(): Promise<void>;
}

export async function startForeignOrigin(handler: Handler, tls?: TestCertificate): Promise<ForeignOrigin> {
  let origin = '';
  const state: ForeignOrigin = {
    url: '',
    seen: [],
    handler,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', origin);
    state.seen.push({ method: req.method ?? '', path: url.pathname, authorization: req.headers.authorization });
    state.handler(req, res, url);
  };
  const server: Server = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, listener) : createHttpServer(listener);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.url = origin;
  return state;
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/** `repository:team/app:pull,push` → the JWT `access` entry Distribution checks. */
function accessOf(scope: string) {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  return { type: scope.slice(0, first), name: scope.slice(first + 1, last), actions: scope.slice(last + 1).split(',') };
}

export interface TokenService {
  service: string;
  issuer: string;
  /** Handler for a Docker token service that grants every requested scope to `username:password`. */
  handler: Handler;
}

/** A Docker token service whose JWTs (ES256, certificate in `x5c`) a Distribution registry configured with `cert` accepts. */
export function tokenService(cert: TestCertificate, username: string, password: string): TokenService {
  const service = 'signet-test';
  const issuer = 'signet-test-issuer';
  const x5c = [new X509Certificate(cert.cert).raw.toString('base64')];
  const expected = 'Basic ' + Buffer.from(`${username}:${password}`).toString('base64');
  const handler: Handler = (req, res, url) => {
    if (url.pathname !== '/token' || req.headers.authorization !== expected) {
      res.writeHead(401).end();
      return;
    }
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: issuer,
      sub: username,
      aud: url.searchParams.get('service'),
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: randomBytes(8).toString('hex'),
      access: url.searchParams.getAll('scope').map(accessOf),
    };
    const signingInput = `${b64url(JSON.stringify({ typ: 'JWT', alg: 'ES256', x5c }))}.${b64url(JSON.stringify(claims))}`;
    const signature = sign('sha256', Buffer.from(signingInput), { key: cert.key, dsaEncoding: 'ieee-p1363' });
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ token: `${signingInput}.${b64url(signature)}`, expires_in: 300 }));
  };
  return { service, issuer, handler };
}
