import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildRandomImage,
  makeCertificate,
  pushImage,
  startForeignOrigin,
  startRegistry,
  tokenService,
  type ForeignOrigin,
  type Handler,
  type RegistryServer,
  type TestCertificate,
} from '@signet/testing';
import { ConfigError, parseConfig } from '@signet/config';
import { registryClientFromConfig, type RegistryClient } from '../src';
import { clientFor, creds, PASSWORD, USER } from './helpers';

/**
 * Whoever answers as the registry chooses the token realm a 401 points to and the host a blob download is
 * redirected to. These tests run a real Distribution registry (token auth, or the `redirect` storage
 * middleware S3- and CDN-backed registries use) against origins on other loopback ports that record what
 * they are sent: the registry's credentials must reach none that the config does not allow.
 */
const MARKER = 'FOREIGN-BODY-MARKER-7f3a';

/** Answers like a hostile service: a registry-style JSON error whose message is the marker. */
const hostile: Handler = (_req, res) => {
  res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'DENIED', message: MARKER }] }));
};

describe('credentials and downloads stay on allowed origins', () => {
  let cert: TestCertificate;
  /** Plain-http origin: a realm or storage host that must never be contacted. */
  let plain: ForeignOrigin;
  /** https origin acting as the token service of `tokenRegistry`. */
  let realm: ForeignOrigin;
  /** https origin serving `redirectRegistry`'s blob storage. */
  let storage: ForeignOrigin;
  let tokenRegistry: RegistryServer;
  let plainRealmRegistry: RegistryServer;
  let redirectRegistry: RegistryServer;
  let plainRedirectRegistry: RegistryServer;
  let tokens: ReturnType<typeof tokenService>;
  const clients: RegistryClient[] = [];
  const client = (registry: RegistryServer, extra: Parameters<typeof clientFor>[1] = {}) => {
    const c = clientFor(registry, { ...creds, ca: cert.cert, retries: 0, ...extra });
    clients.push(c);
    return c;
  };
  /** Serves the redirected storage paths from the registry's own filesystem storage, as S3 would. */
  const serveStorage: Handler = (_req, res, url) => {
    const file = join(redirectRegistry.dir, 'storage', url.pathname);
    if (!existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    createReadStream(file).pipe(res);
  };

  beforeAll(async () => {
    cert = makeCertificate();
    tokens = tokenService(cert, USER, PASSWORD);
    plain = await startForeignOrigin(tokens.handler);
    realm = await startForeignOrigin(tokens.handler, cert);
    storage = await startForeignOrigin(serveStorage, cert);
    const tokenAuth = (realmUrl: string) => ({
      realm: `${realmUrl}/token`,
      service: tokens.service,
      issuer: tokens.issuer,
      rootCertBundle: cert.certFile,
    });
    [tokenRegistry, plainRealmRegistry, redirectRegistry, plainRedirectRegistry] = await Promise.all([
      startRegistry({ tokenAuth: tokenAuth(realm.url) }),
      startRegistry({ tokenAuth: tokenAuth(plain.url) }),
      startRegistry({ users: { [USER]: PASSWORD }, redirectBlobsTo: storage.url }),
      startRegistry({ users: { [USER]: PASSWORD }, redirectBlobsTo: plain.url }),
    ]);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    realm.handler = tokens.handler;
    storage.handler = serveStorage;
    plain.seen.length = realm.seen.length = storage.seen.length = 0;
  });
  afterAll(async () => {
    await Promise.all([tokenRegistry, plainRealmRegistry, redirectRegistry, plainRedirectRegistry].map((r) => r?.teardown()));
    await Promise.all([plain, realm, storage].map((o) => o?.close()));
  });

  /** Pushes through the token service (the test's own, trusted requests) and forgets what it saw. */
  async function pushWithToken(ref: string): Promise<string> {
    const image = buildRandomImage(ref);
    const uploader = client(tokenRegistry, { authRealms: [realm.url] });
    const [repo, tag] = ref.split(':') as [string, string];
    for (const blob of image.blobs.values()) await uploader.uploadBlob(repo, blob);
    await uploader.putManifest(repo, tag, image.manifest, 'application/vnd.oci.image.manifest.v1+json');
    realm.seen.length = 0;
    return image.digest;
  }

  it('works with a token realm on another origin that authRealms lists (https)', async () => {
    const digest = await pushWithToken('allowed/app:1');
    expect(await client(tokenRegistry, { authRealms: [realm.url] }).resolve('allowed/app', '1')).toBe(digest);
    expect(realm.seen.map((r) => r.authorization)).toEqual(['Basic ' + Buffer.from(`${USER}:${PASSWORD}`).toString('base64')]);
  });

  it('does not send basic credentials to a token realm on another origin that is not allowed', async () => {
    await pushWithToken('stolen/app:1');
    const err = await client(tokenRegistry)
      .resolve('stolen/app', '1')
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'REALM_NOT_ALLOWED' });
    expect((err as Error).message).toContain(new URL(realm.url).host);
    expect((err as Error).message).toContain('registries[].authRealms');
    expect(realm.seen).toEqual([]);
  });

  it('does not send basic credentials to a plain-http token realm on another origin, even when listed', async () => {
    const err = await client(plainRealmRegistry, { authRealms: [plain.url.replace('http:', 'https:')] })
      .resolve('stolen/app', '1')
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'REALM_NOT_ALLOWED' });
    expect(plain.seen).toEqual([]);
    // A plain-http entry is not a valid authRealms entry at all.
    expect(() => client(plainRealmRegistry, { authRealms: [plain.url] })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });

  it("takes authRealms from the services' config, where a plain-http entry is refused", async () => {
    await pushWithToken('config/app:1');
    const fromConfig = (authRealms?: string[]) => {
      const registry = {
        name: 'tok',
        url: tokenRegistry.url,
        username: USER,
        passwordEnv: 'REGISTRY_PASSWORD',
        ...(authRealms ? { authRealms } : {}),
      };
      const c = registryClientFromConfig(
        parseConfig({ registries: [registry] }, { app: 'cli', env: { REGISTRY_PASSWORD: PASSWORD } }).registries[0]!,
      );
      clients.push(c);
      return c;
    };
    await expect(fromConfig().resolve('config/app', '1')).rejects.toMatchObject({ code: 'REALM_NOT_ALLOWED' });
    expect(realm.seen).toEqual([]);
    // Listed, the realm is asked (the services trust only the system's CAs, so here the TLS handshake fails).
    await expect(fromConfig([realm.url]).resolve('config/app', '1')).rejects.toMatchObject({
      code: 'REGISTRY_UNAVAILABLE',
      message: expect.stringContaining('token request'),
    });
    expect(() => fromConfig([plain.url])).toThrow(ConfigError);
  });

  it('does not echo the body of a failing token realm in the error', async () => {
    await pushWithToken('echo/app:1');
    realm.handler = hostile;
    const err = await client(tokenRegistry, { authRealms: [realm.url] })
      .resolve('echo/app', '1')
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'REGISTRY_ERROR', status: 400 });
    expect((err as Error).message).toContain(new URL(realm.url).host);
    expect((err as Error).message).not.toContain(MARKER);
  });

  /** Pushes a fresh image to `registry` and GETs its config blob with a new client; `origin` has seen nothing before the GET. */
  async function fetchRedirectedBlob(registry: RegistryServer, origin: ForeignOrigin, extra: Parameters<typeof clientFor>[1] = {}) {
    const image = buildRandomImage('redirected');
    await pushImage(registry.url, 'redirected/app:1', creds, image);
    origin.seen.length = 0;
    const [digest, bytes] = [...image.blobs.entries()][0]!;
    const result: unknown = await client(registry, extra)
      .getBlob('redirected/app', digest)
      .catch((e: unknown) => e);
    return { result, bytes };
  }

  it('follows a blob redirect to storage that redirectOrigins lists, without the credentials', async () => {
    const { result, bytes } = await fetchRedirectedBlob(redirectRegistry, storage, { redirectOrigins: [storage.url] });
    expect(result).toEqual(bytes);
    expect(storage.seen).toEqual([expect.objectContaining({ method: 'GET', authorization: undefined })]);
  });

  it('refuses a blob redirect to an https host that is not allowed, and does not follow it', async () => {
    const { result } = await fetchRedirectedBlob(redirectRegistry, storage);
    expect(result).toMatchObject({ code: 'REDIRECT_NOT_ALLOWED', message: expect.stringContaining('registries[].redirectOrigins') });
    expect(storage.seen).toEqual([]);
  });

  it('refuses a blob redirect to a plain-http host on another origin, and does not follow it', async () => {
    const { result } = await fetchRedirectedBlob(plainRedirectRegistry, plain);
    expect(result).toMatchObject({ code: 'REDIRECT_NOT_ALLOWED' });
    expect(plain.seen).toEqual([]);
  });

  it('does not echo the body of failing allowed storage in the error', async () => {
    storage.handler = hostile;
    const { result } = await fetchRedirectedBlob(redirectRegistry, storage, { redirectOrigins: [storage.url] });
    expect(result).toMatchObject({ code: 'REGISTRY_ERROR', status: 400, message: expect.stringContaining(new URL(storage.url).host) });
    expect((result as Error).message).not.toContain(MARKER);
    expect(storage.seen.length).toBeGreaterThan(0);
  });
});
