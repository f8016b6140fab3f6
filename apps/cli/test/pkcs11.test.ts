import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  pushImage,
  runSignet,
  startRegistry,
  startSoftHsmToken,
  type CliResult,
  type RegistryServer,
  type SoftHsmToken,
} from '@signet/testing';

const TOKEN = 'signet cli';
const PIN = '4321';

describe('signet with a key on a PKCS#11 token (SoftHSM2)', () => {
  let hsm: SoftHsmToken;
  let registry: RegistryServer;
  const home = mkdtempSync(path.join(tmpdir(), 'signet-pkcs11-'));

  /** The real CLI, with this SoftHSM's configuration and nothing of the machine's. */
  const signet = (args: string[], env: Record<string, string> = {}): Promise<CliResult> =>
    runSignet(args, { env: { HOME: home, ...hsm.env, ...env } });
  const keyUri = (query = '') => hsm.uri('token=signet%20cli;object=release%20signer', query);

  beforeAll(async () => {
    [hsm, registry] = await Promise.all([startSoftHsmToken(TOKEN, PIN, { label: 'release signer', id: '0a0b' }), startRegistry()]);
  });
  afterAll(async () => {
    await registry.teardown();
    hsm.teardown();
    rmSync(home, { recursive: true, force: true });
  });

  it('lists the tokens, and the keys of one with the URI that addresses each', async () => {
    const tokens = await signet(['pkcs11', 'list-tokens', '--module-path', hsm.modulePath]);
    expect(tokens).toMatchObject({ code: 0, stderr: '' });
    expect(tokens.stdout).toContain(
      `Token in slot ${hsm.slotId}\n\tLabel: ${TOKEN}\n\tManufacturer: SoftHSM project\n\tModel: SoftHSM v2\n`,
    );

    const keys = await signet(['pkcs11', 'list-keys', '--token', TOKEN, '--pin', PIN], { COSIGN_PKCS11_MODULE_PATH: hsm.modulePath });
    expect(keys).toMatchObject({ code: 0, stderr: '' });
    expect(keys.stdout).toBe(
      [
        `Listing URIs of keys in token '${TOKEN}' of PKCS11 module '${hsm.modulePath}'`,
        'Object 0',
        '\tLabel: release signer',
        '\tID: 0a0b',
        '\tType: EC',
        `\tURI: pkcs11:token=signet%20cli;slot-id=${hsm.slotId};id=%0a%0b;object=release%20signer?module-path=${hsm.modulePath}`,
        '',
      ].join('\n'),
    );
    const bySlot = await signet(['pkcs11', 'list-keys', '--module-path', hsm.modulePath, '--slot-id', String(hsm.slotId)], {
      COSIGN_PKCS11_PIN: PIN,
    });
    expect(bySlot.stdout).toContain('\tLabel: release signer\n');
  });

  it('refuses list-keys without a PIN, and without a module path, with one line each', async () => {
    const noPin = await signet(['pkcs11', 'list-keys', '--module-path', hsm.modulePath, '--token', TOKEN]);
    expect(noPin).toMatchObject({ code: 1, stdout: '' });
    expect(noPin.stderr).toBe(
      `Error: token "${TOKEN}" shows its private keys only after a login and stdin is not a terminal to ask for its PIN: give --pin or set COSIGN_PKCS11_PIN\n`,
    );
    const noModule = await signet(['pkcs11', 'list-tokens']);
    expect(noModule).toMatchObject({ code: 2, stderr: 'Error: --module-path (or COSIGN_PKCS11_MODULE_PATH) is required\n' });
  });

  it("prints the token key's public key and signs a blob that verify-blob accepts", async () => {
    const pub = await signet(['public-key', '--key', keyUri(`&pin-value=${PIN}`)]);
    expect(pub).toMatchObject({ code: 0, stdout: hsm.key.publicKeyPem });
    const blob = path.join(home, 'blob.txt');
    const pubFile = path.join(home, 'token.pub');
    writeFileSync(blob, 'release notes');
    writeFileSync(pubFile, pub.stdout);
    const signed = await signet(['sign-blob', '--key', keyUri(), blob], { COSIGN_PKCS11_PIN: PIN });
    expect(signed.code).toBe(0);
    const verified = await signet(['verify-blob', '--key', pubFile, '--signature', signed.stdout.trim(), blob]);
    expect(verified).toMatchObject({ code: 0, stdout: 'Verified OK\n' });
  });

  it('signs an image in the registry through the token, and verify --key cosign.pub accepts it', async () => {
    const digest = await pushImage(registry.url, 'team/app:1.0', undefined);
    const image = `${registry.host}/team/app:1.0`;
    const pubFile = path.join(home, 'cosign.pub');
    writeFileSync(pubFile, hsm.key.publicKeyPem);
    const signed = await signet(['sign', '--key', keyUri(), image, '--allow-insecure-registry'], { COSIGN_PKCS11_PIN: PIN });
    expect(signed.code).toBe(0);
    expect(signed.stderr).toContain(`Pushed signature to ${registry.host}/team/app:sha256-${digest.slice('sha256:'.length)}.sig`);
    const verified = await signet(['verify', '--key', pubFile, image, '--allow-insecure-registry']);
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.stdout)).toEqual([
      expect.objectContaining({ critical: expect.objectContaining({ image: { 'docker-manifest-digest': digest } }) }),
    ]);
  });

  it('says a wrong PIN in one line and exits 1', async () => {
    const wrong = await signet(['public-key', '--key', keyUri('&pin-value=0000')]);
    expect(wrong).toMatchObject({ code: 1, stdout: '' });
    expect(wrong.stderr).toMatch(/^Error: .*the token refused the PIN\n$/);
  });
});
