import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pushImage, runSignet, startRegistry, startSoftHsmToken, type RegistryServer, type SoftHsmToken } from '@signet/testing';
import { signetOnTerminal, tempDir } from './key-helpers';

const TOKEN = 'signet tty';
// Letters no digest, URI or message holds, so finding it in the output can only mean it was echoed.
const PIN = 'tty-pin-QZ7391';
const PROMPT = "Enter PIN for key 'release signer' in PKCS11 token 'signet tty': ";

describe('signet asks for a PKCS#11 PIN on a terminal, as cosign does', () => {
  let hsm: SoftHsmToken;
  let registry: RegistryServer;
  const home = tempDir();
  const keyUri = (): string => hsm.uri('token=signet%20tty;object=release%20signer', '');
  /** The CLI with this SoftHSM's configuration, on a real terminal, typing `answers` at each PIN prompt. */
  const onTerminal = (args: string[], answers: string[]) =>
    signetOnTerminal(args, {
      cwd: home,
      env: { HOME: home, ...hsm.env },
      prompt: 'Enter PIN for key',
      answers: answers.map((a) => Buffer.from(a)),
    });
  const signatureTags = async (): Promise<string[]> => {
    const res = await fetch(`${registry.url}/v2/team/app/tags/list`);
    return ((await res.json()) as { tags: string[] }).tags.filter((t) => t.endsWith('.sig'));
  };

  beforeAll(async () => {
    [hsm, registry] = await Promise.all([startSoftHsmToken(TOKEN, PIN, { label: 'release signer', id: '0c0d' }), startRegistry()]);
  });
  afterAll(async () => {
    await registry.teardown();
    hsm.teardown();
  });

  it('without a PIN and without a terminal, fails at once naming the three ways to give it, and signs nothing', async () => {
    await pushImage(registry.url, 'team/app:1.0', undefined);
    const image = `${registry.host}/team/app:1.0`;
    const expected = `Error: ${keyUri()}: the token needs a PIN and stdin is not a terminal to ask for it: give pin-value or pin-source in the pkcs11: URI, or set COSIGN_PKCS11_PIN\n`;
    // A PIN piped on stdin is not read: stdin may carry anything, and cosign reads a PIN only from a terminal.
    const piped = await runSignet(['sign', '--key', keyUri(), image, '--allow-insecure-registry'], {
      env: { HOME: home, ...hsm.env },
      input: `${PIN}\n`,
    });
    expect(piped).toMatchObject({ code: 1, stdout: '', stderr: expected });
    const blob = path.join(home, 'unsigned.txt');
    writeFileSync(blob, 'not to be signed');
    const closed = await runSignet(['sign-blob', '--key', keyUri(), blob], { env: { HOME: home, ...hsm.env } });
    expect(closed).toMatchObject({ code: 1, stdout: '', stderr: expected });
    expect(await signatureTags()).toEqual([]);
  });

  it('on a terminal, asks once without echo; the signature is made and verify accepts it', async () => {
    const digest = await pushImage(registry.url, 'team/app:2.0', undefined);
    const image = `${registry.host}/team/app:2.0`;
    const signed = await onTerminal(['sign', '--key', keyUri(), image, '--allow-insecure-registry'], [`${PIN}\r`]);
    expect(signed.code).toBe(0);
    expect(signed.stdout.split(PROMPT)).toHaveLength(2);
    expect(signed.stdout).toContain(`Pushed signature to ${registry.host}/team/app:sha256-${digest.slice('sha256:'.length)}.sig`);
    expect(signed.stdout).not.toContain(PIN);

    const pubFile = path.join(home, 'token.pub');
    writeFileSync(pubFile, hsm.key.publicKeyPem);
    const verified = await runSignet(['verify', '--key', pubFile, image, '--allow-insecure-registry'], { env: { HOME: home } });
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.stdout)).toEqual([
      expect.objectContaining({ critical: expect.objectContaining({ image: { 'docker-manifest-digest': digest } }) }),
    ]);
  });

  it('asks for no PIN on a terminal when COSIGN_PKCS11_PIN gives one', async () => {
    const blob = path.join(home, 'blob.txt');
    writeFileSync(blob, 'release notes');
    const signed = await signetOnTerminal(['sign-blob', '--key', keyUri(), blob], {
      cwd: home,
      env: { HOME: home, ...hsm.env, COSIGN_PKCS11_PIN: PIN },
      answers: [],
    });
    expect(signed.code).toBe(0);
    expect(signed.stdout).not.toContain('Enter PIN');
    expect(signed.stdout.trim()).toMatch(/^ME[QUY][A-Za-z0-9+/=]+$/);
  });

  it('pkcs11 list-keys asks for the token PIN on a terminal as cosign does, once and unechoed, then lists the keys', async () => {
    const tokenPrompt = "Enter PIN for PKCS11 token 'signet tty': ";
    const listed = await signetOnTerminal(['pkcs11', 'list-keys', '--token', TOKEN], {
      cwd: home,
      env: { HOME: home, ...hsm.env, COSIGN_PKCS11_MODULE_PATH: hsm.modulePath },
      prompt: 'Enter PIN for PKCS11 token',
      answers: [Buffer.from(`${PIN}\r`)],
    });
    expect(listed.code).toBe(0);
    expect(listed.stdout.split(tokenPrompt)).toHaveLength(2);
    expect(listed.stdout).toContain('\tLabel: release signer\r\n');
    expect(listed.stdout).toContain(
      `\tURI: pkcs11:token=signet%20tty;slot-id=${hsm.slotId};id=%0c%0d;object=release%20signer?module-path=`,
    );
    expect(listed.stdout).not.toContain(PIN);

    const wrong = await signetOnTerminal(['pkcs11', 'list-keys', '--token', TOKEN], {
      cwd: home,
      env: { HOME: home, ...hsm.env, COSIGN_PKCS11_MODULE_PATH: hsm.modulePath },
      prompt: 'Enter PIN for PKCS11 token',
      answers: [Buffer.from('not-the-pin\r'), Buffer.from(`${PIN}\r`)],
    });
    expect(wrong.code).toBe(1);
    expect(wrong.stdout.split(tokenPrompt)).toHaveLength(2);
    expect(wrong.stdout).toContain(`Error: the token '${TOKEN}' refused the PIN\r\n`);
    expect(wrong.stdout).not.toContain('release signer');
    expect(wrong.stdout).not.toContain('not-the-pin');
  });

  it('says a wrong PIN typed on the terminal in one line and exits, without asking again', async () => {
    const wrong = await onTerminal(['public-key', '--key', keyUri()], ['not-the-pin\r', `${PIN}\r`]);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout.split(PROMPT)).toHaveLength(2);
    expect(wrong.stdout).toContain(`Error: ${keyUri()}: the token refused the PIN\r\n`);
    expect(wrong.stdout).not.toContain('not-the-pin');
    expect(wrong.stdout).not.toContain('BEGIN PUBLIC KEY');
  });
});
