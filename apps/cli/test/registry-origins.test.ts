import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateCosignKeyPair } from '@signet/crypto';
import { RegistryClient } from '@signet/registry';
import {
  buildRandomImage,
  makeCertificate,
  runSignet,
  startForeignOrigin,
  startRegistry,
  tokenService,
  writeKeyPair,
  type ForeignOrigin,
  type RegistryServer,
  type TestCertificate,
} from '@signet/testing';

const USER = 'ci-bot';
const PASSWORD = 'registry-pw';
const KEY_PASSWORD = 'key-pw';

/**
 * `signet sign`/`verify` use the services' registry client, so the same rule holds on the command line: the
 * credentials go to a token service on another origin only when `--registry-auth-realm` names it.
 */
describe('signet sign / verify against a registry whose token service is on another origin', () => {
  const home = mkdtempSync(path.join(tmpdir(), 'signet-origins-'));
  let cert: TestCertificate;
  let realm: ForeignOrigin;
  let registry: RegistryServer;
  let keys: { key: string; pub: string };

  /** The real CLI trusting the test certificate (as a private CA would be trusted), with a clean HOME. */
  const signet = (args: string[]) =>
    runSignet([...args, '--allow-insecure-registry', '--registry-username', USER, '--registry-password', PASSWORD], {
      env: { HOME: home, COSIGN_PASSWORD: KEY_PASSWORD, NODE_EXTRA_CA_CERTS: cert.certFile },
    });

  beforeAll(async () => {
    cert = makeCertificate();
    const tokens = tokenService(cert, USER, PASSWORD);
    realm = await startForeignOrigin(tokens.handler, cert);
    registry = await startRegistry({
      tokenAuth: { realm: `${realm.url}/token`, service: tokens.service, issuer: tokens.issuer, rootCertBundle: cert.certFile },
    });
    keys = writeKeyPair(home, 'cosign', await generateCosignKeyPair(KEY_PASSWORD));
  });
  afterAll(async () => {
    await registry?.teardown();
    await realm?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('refuses to send the credentials to the token service until --registry-auth-realm allows it, then signs and verifies', async () => {
    const image = buildRandomImage('origins');
    const client = new RegistryClient({
      name: 't',
      url: registry.url,
      insecure: true,
      dockerConfig: false,
      username: USER,
      password: PASSWORD,
      authRealms: [realm.url],
      ca: cert.cert,
    });
    for (const blob of image.blobs.values()) await client.uploadBlob('team/app', blob);
    await client.putManifest('team/app', '1', image.manifest, 'application/vnd.oci.image.manifest.v1+json');
    await client.close();
    realm.seen.length = 0;
    const ref = `${registry.host}/team/app:1`;

    const refused = await signet(['sign', '--key', keys.key, ref]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('REALM_NOT_ALLOWED');
    expect(refused.stderr).toContain(new URL(realm.url).host);
    expect(realm.seen).toEqual([]);

    const allow = ['--registry-auth-realm', realm.url];
    expect(await signet(['sign', '--key', keys.key, ref, ...allow])).toMatchObject({ code: 0 });
    const verified = await signet(['verify', '--key', keys.pub, ref, ...allow]);
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.stdout)[0].critical.image['docker-manifest-digest']).toBe(image.digest);
    expect(realm.seen.length).toBeGreaterThan(0);
  });

  it('takes a plain-http --registry-auth-realm as a usage error', async () => {
    expect(
      (await signet(['verify', '--key', keys.pub, `${registry.host}/team/app:1`, '--registry-auth-realm', 'http://127.0.0.1:1'])).code,
    ).toBe(2);
  });
});
