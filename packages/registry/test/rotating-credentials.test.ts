import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { parseConfig, Secret } from '@signet/config';
import {
  makeCertificate,
  makeTempDir,
  pushImage,
  startFaultProxy,
  startForeignOrigin,
  startRegistry,
  tokenService,
  waitFor,
  type FaultProxy,
  type ForeignOrigin,
  type RegistryServer,
  type TestCertificate,
} from '@signet/testing';
import { registryClientFromConfig, type RegistryClient } from '../src';
import { clientFor, collect, USER } from './helpers';

/**
 * Registry passwords that rotate (ECR's token lasts 12 hours and a CronJob or sidecar rewrites the file; a
 * Kubernetes Secret volume is updated by swapping its `..data` link) must reach the registry without a restart.
 */
const basic = (password: string) => 'Basic ' + Buffer.from(`${USER}:${password}`).toString('base64');
const rotated = (n: number) => `rotated-token-${n}-${'x'.repeat(n)}`;

/** Gives ci-bot a new password in the registry's htpasswd, which Distribution re-reads when its mtime changes. */
async function setRegistryPassword(registry: RegistryServer, password: string): Promise<void> {
  writeFileSync(join(registry.dir, 'htpasswd'), execFileSync('htpasswd', ['-Bbn', USER, password]).toString().trim() + '\n');
  await waitFor(
    async () => (await fetch(`${registry.url}/v2/`, { headers: { authorization: basic(password) } })).status === 200,
    5000,
    'the registry to take the new password',
  );
}

describe('rotating registry credentials (real Distribution registry with htpasswd)', () => {
  let registry: RegistryServer;
  let proxy: FaultProxy;
  let digest: string;
  const clients: RegistryClient[] = [];
  /** A client as the services build it, through the proxy so the test sees every Authorization header sent. */
  const fromConfig = (passwordFile: string) => {
    const cfg = parseConfig({ registries: [{ name: 'rot', url: proxy.url, username: USER, passwordFile }] }, { app: 'cli', env: {} });
    const c = registryClientFromConfig({ ...cfg.registries[0]!, retries: 0 });
    clients.push(c);
    return c;
  };
  /** A client whose password file holds the registry's current token, after one successful request. */
  const clientReadingFile = async () => {
    const file = join(makeTempDir('rot'), 'password');
    writeFileSync(file, rotated(1) + '\n');
    const client = fromConfig(file);
    expect(await client.resolve('rot/app', '1')).toBe(digest);
    return { file, client };
  };
  const sent = () => proxy.seen.map((s) => s.headers.authorization);

  beforeAll(async () => {
    registry = await startRegistry({ users: { [USER]: rotated(1) } });
    digest = await pushImage(registry.url, 'rot/app:1', { username: USER, password: rotated(1) });
  });
  beforeEach(async () => {
    await setRegistryPassword(registry, rotated(1));
    proxy = await startFaultProxy(registry.url);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await proxy.close();
  });
  afterAll(() => registry?.teardown());

  it('sends a rewritten password file on the next request, without a restart or a refused request', async () => {
    const { file, client } = await clientReadingFile();

    await setRegistryPassword(registry, rotated(2));
    writeFileSync(file, rotated(2) + '\n');
    proxy.seen.length = 0;
    expect(await client.resolve('rot/app', '1')).toBe(digest);
    // Read before the request went out: the old token was never sent again.
    expect(sent()).toEqual([basic(rotated(2))]);
  });

  it('follows a Kubernetes Secret volume whose ..data link is swapped to a new directory', async () => {
    const dir = makeTempDir('k8s-secret');
    const version = (name: string, password: string) => {
      mkdirSync(join(dir, name));
      writeFileSync(join(dir, name, 'password'), password);
    };
    // The kubelet's layout: password -> ..data/password, ..data -> ..<timestamp>; an update renames a new link over ..data.
    version('..2026_12_02_10_00_00.1', rotated(1));
    symlinkSync('..2026_12_02_10_00_00.1', join(dir, '..data'));
    symlinkSync(join('..data', 'password'), join(dir, 'password'));
    const client = fromConfig(join(dir, 'password'));
    expect(await client.resolve('rot/app', '1')).toBe(digest);

    await setRegistryPassword(registry, rotated(3));
    version('..2026_12_02_22_00_00.2', rotated(3));
    symlinkSync('..2026_12_02_22_00_00.2', join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    rmSync(join(dir, '..2026_12_02_10_00_00.1'), { recursive: true });
    proxy.seen.length = 0;
    expect(await client.resolve('rot/app', '1')).toBe(digest);
    expect(sent()).toEqual([basic(rotated(3))]);
  });

  it('reads the file again on a 401 and retries when the token was replaced while the request was in flight', async () => {
    const { file, client } = await clientReadingFile();

    // The registry already takes only the new token; the file is rewritten while the stale request is on its way.
    await setRegistryPassword(registry, rotated(4));
    proxy.seen.length = 0;
    proxy.fault = (req) => {
      if (req.headers.authorization === basic(rotated(1))) writeFileSync(file, rotated(4));
      return undefined;
    };
    expect(await client.resolve('rot/app', '1')).toBe(digest);
    expect(sent()).toEqual([basic(rotated(1)), basic(rotated(4))]);
  });

  it('fails with REGISTRY_UNAUTHORIZED when the file still holds the refused token, after one request', async () => {
    const { file, client } = await clientReadingFile();

    await setRegistryPassword(registry, rotated(5));
    proxy.seen.length = 0;
    const err = await client.resolve('rot/app', '1').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'REGISTRY_UNAUTHORIZED', status: 401 });
    expect(sent()).toEqual([basic(rotated(1))]);
    // Neither the error nor the client prints the token.
    for (const shown of [inspect(err, { depth: 10 }), String(err), inspect(client, { depth: 10 })]) expect(shown).not.toContain(rotated(1));
    // Nothing sticks: once the refresher writes the new token, the same client works.
    writeFileSync(file, rotated(5));
    expect(await client.resolve('rot/app', '1')).toBe(digest);
  });
});

describe('rotating credentials for a token service (real Distribution registry with token auth)', () => {
  let cert: TestCertificate;
  let realm: ForeignOrigin;
  let registry: RegistryServer;
  let tokens: ReturnType<typeof tokenService>;
  const clients: RegistryClient[] = [];
  const client = (password: Secret) => {
    const c = clientFor(registry, { username: USER, password, ca: cert.cert, authRealms: [realm.url], retries: 0 });
    clients.push(c);
    return c;
  };
  /** The token service now takes only `password`. */
  const rotateTokenService = (password: string) => {
    tokens = tokenService(cert, USER, password);
    realm.handler = tokens.handler;
  };
  const tokenRequests = () => realm.seen.filter((s) => s.path === '/token').map((s) => s.authorization);

  beforeAll(async () => {
    cert = makeCertificate();
    tokens = tokenService(cert, USER, rotated(1));
    realm = await startForeignOrigin(tokens.handler, cert);
    registry = await startRegistry({
      tokenAuth: { realm: `${realm.url}/token`, service: tokens.service, issuer: tokens.issuer, rootCertBundle: cert.certFile },
    });
  });
  beforeEach(() => rotateTokenService(rotated(1)));
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    realm.seen.length = 0;
  });
  afterAll(async () => {
    await registry?.teardown();
    await realm?.close();
  });

  it('asks for the next token with the rewritten password, and after a refusal reads the file again', async () => {
    const file = join(makeTempDir('rot'), 'password');
    writeFileSync(file, rotated(1));
    const c = client(Secret.fromFile(file, 'given'));
    await c.ping();

    // Rewritten before the next token request: sent at once.
    rotateTokenService(rotated(2));
    writeFileSync(file, rotated(2));
    await expect(collect(c.tags('one/app'))).rejects.toMatchObject({ code: 'NAME_UNKNOWN' });
    // Rewritten while the refused token request was in flight: read again, asked once more.
    realm.handler = (req, res, url) => {
      if (req.headers.authorization === basic(rotated(2))) writeFileSync(file, rotated(3));
      rotateTokenService(rotated(3));
      tokens.handler(req, res, url);
    };
    await expect(collect(c.tags('two/app'))).rejects.toMatchObject({ code: 'NAME_UNKNOWN' });
    expect(tokenRequests().slice(1)).toEqual([basic(rotated(2)), basic(rotated(2)), basic(rotated(3))]);
  });

  it('fails with REGISTRY_UNAUTHORIZED when the token service refuses the password the file still holds', async () => {
    const file = join(makeTempDir('rot'), 'password');
    writeFileSync(file, rotated(1));
    const c = client(Secret.fromFile(file, 'given'));
    rotateTokenService(rotated(6));
    await expect(c.ping()).rejects.toMatchObject({ code: 'REGISTRY_UNAUTHORIZED' });
    expect(tokenRequests()).toEqual([basic(rotated(1))]);
  });
});
