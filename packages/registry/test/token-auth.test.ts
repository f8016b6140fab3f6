import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { RegistryClient } from '../src';
import { pushImage, sleep, startRegistry, type RegistryServer } from '@signet/testing';
import { clientFor, collect, PASSWORD, USER } from './helpers';

/**
 * A Docker token-spec front for a real registry: every /v2/ request needs `Bearer <token>` for the scope it
 * touches; /token hands tokens out to the right basic credentials, for the scopes asked.
 */
async function startTokenFront(registryUrl: string, lifetimeSeconds: number) {
  const target = new URL(registryUrl);
  const tokens = new Map<string, Set<string>>();
  const tokenRequests: string[][] = [];
  let origin = '';
  const scopeOf = (path: string) => {
    if (path.startsWith('/v2/_catalog')) return 'registry:catalog:*';
    const m = /^\/v2\/(.+?)\/(manifests|blobs|tags)\//.exec(path);
    return m ? `repository:${m[1]}:pull` : undefined;
  };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', origin);
    if (url.pathname === '/token') {
      const expected = 'Basic ' + Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
      if (req.headers.authorization !== expected) {
        res.writeHead(401).end();
        return;
      }
      const scopes = url.searchParams.getAll('scope');
      tokenRequests.push(scopes);
      const token = randomBytes(12).toString('hex');
      tokens.set(token, new Set(scopes));
      setTimeout(() => tokens.delete(token), lifetimeSeconds * 1000).unref();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token, expires_in: lifetimeSeconds }));
      return;
    }
    const scope = scopeOf(url.pathname);
    const presented = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const granted = presented ? tokens.get(presented) : undefined;
    if (
      url.pathname !== '/v2/' &&
      (!granted ||
        !scope ||
        ![...granted].some((g) => g === scope || g.startsWith(scope + ',') || g === scope.replace(':pull', ':pull,push')))
    ) {
      res.writeHead(401, {
        'www-authenticate': `Bearer realm="${origin}/token",service="signet-test"${scope ? `,scope="${scope}"` : ''}`,
        'content-type': 'application/json',
      });
      res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
      return;
    }
    const headers = { ...req.headers };
    delete headers.authorization;
    const up = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: origin, tokenRequests, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('bearer token flow (Docker token spec)', () => {
  let registry: RegistryServer;
  let front: Awaited<ReturnType<typeof startTokenFront>>;
  let digest: string;

  beforeAll(async () => {
    registry = await startRegistry();
    digest = await pushImage(registry.url, 'tok/app:1');
    await pushImage(registry.url, 'tok/other:1');
    front = await startTokenFront(registry.url, 11);
  });
  afterAll(async () => {
    await front.close();
    await registry.teardown();
  });

  it('fetches a token for the challenged scope once and reuses it until it expires', async () => {
    const client = clientFor(front, { username: USER, password: PASSWORD });
    try {
      expect(await client.resolve('tok/app', '1')).toBe(digest);
      expect(await client.resolve('tok/app', '1')).toBe(digest);
      expect((await client.headManifest('tok/app', '1')).digest).toBe(digest);
      expect(front.tokenRequests).toEqual([['repository:tok/app:pull']]);
      await client.resolve('tok/other', '1');
      expect(await collect(client.catalog())).toEqual(expect.arrayContaining(['tok/app', 'tok/other']));
      expect(front.tokenRequests).toHaveLength(3);
      // 11 s lifetime minus the 10 s refresh margin: after ~1 s a new token is fetched.
      await sleep(1200);
      await client.resolve('tok/app', '1');
      expect(front.tokenRequests).toHaveLength(4);
    } finally {
      await client.close();
    }
  });

  it('reports refused token credentials as REGISTRY_UNAUTHORIZED', async () => {
    const client: RegistryClient = clientFor(front, { username: USER, password: 'nope' });
    await expect(client.resolve('tok/app', '1')).rejects.toMatchObject({ code: 'REGISTRY_UNAUTHORIZED', retryable: false });
    await client.close();
  });
});
