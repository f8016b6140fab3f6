import { readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sharedDir } from '@signet/testing';
import { signet, signetOnTerminal, signetWithEnvBytes, tempDir } from './key-helpers';

describe('key passwords are bytes', () => {
  const passFF = Buffer.from('pass\xff', 'latin1');
  const passFE = Buffer.from('pass\xfe', 'latin1');

  it('a key made with stdin bytes "pass\\xff" opens with exactly those bytes and not with "pass\\xfe"', async () => {
    const dir = tempDir();
    expect((await signet(['generate-key-pair'], { cwd: dir, input: passFF })).code).toBe(0);
    const pub = readFileSync(path.join(dir, 'cosign.pub'), 'utf8');
    const right = await signet(['public-key', '--key', 'cosign.key'], { cwd: dir, input: passFF });
    expect(right).toMatchObject({ code: 0, stdout: pub });
    const wrong = await signet(['public-key', '--key', 'cosign.key'], { cwd: dir, input: passFE });
    expect(wrong).toMatchObject({ code: 1, stdout: '', stderr: 'Error: wrong password for private key cosign.key\n' });
    // Nor with U+FFFD, which is what a UTF-8 decode turns either byte into.
    const replaced = await signet(['public-key', '--key', 'cosign.key'], { cwd: dir, input: 'pass\ufffd' });
    expect(replaced.code).toBe(1);
  });

  it('refuses a COSIGN_PASSWORD that is not UTF-8 rather than deriving a key from a lossy decoding of it', async () => {
    const dir = tempDir();
    const made = await signetWithEnvBytes(['generate-key-pair'], { cwd: dir, password: passFF });
    expect(made).toMatchObject({ code: 1, stdout: '' });
    expect(made.stderr).toBe(
      'Error: COSIGN_PASSWORD is not valid UTF-8, so its exact bytes cannot be read; pipe the password on stdin instead\n',
    );
    expect(existsSync(path.join(dir, 'cosign.key'))).toBe(false);
  });

  it('COSIGN_PASSWORD and stdin give the same bytes for a UTF-8 password', async () => {
    const dir = tempDir();
    const utf8 = Buffer.from('pässwörd ✓', 'utf8');
    expect((await signetWithEnvBytes(['generate-key-pair'], { cwd: dir, password: utf8 })).code).toBe(0);
    expect((await signet(['public-key', '--key', 'cosign.key'], { cwd: dir, input: utf8 })).code).toBe(0);
    expect((await signet(['public-key', '--key', 'cosign.key'], { cwd: dir, password: 'pässwörd ✓' })).code).toBe(0);
  });

  it('a terminal password is the bytes typed: "pass\xff" opens, "pass\xfe" does not, backspace removes a whole UTF-8 character', async () => {
    const dir = tempDir();
    // "é" (two bytes) typed and erased with one backspace, then \xff; the confirmation is typed plainly.
    const typed = Buffer.from('pass\xc3\xa9\x7f\xff\r', 'latin1');
    const made = await signetOnTerminal(['generate-key-pair'], { cwd: dir, answers: [typed, Buffer.from('pass\xff\r', 'latin1')] });
    expect(made.code).toBe(0);
    expect(made.stdout).toContain('Private key written to cosign.key');
    expect((await signet(['public-key', '--key', 'cosign.key'], { cwd: dir, input: passFF })).code).toBe(0);
    expect((await signet(['public-key', '--key', 'cosign.key'], { cwd: dir, input: passFE })).code).toBe(1);
  });

  it('still opens the cosign and sigstore-rs fixture keys as before', async () => {
    const fixtures = path.join(sharedDir(), 'fixtures/cosign');
    const pw123 = path.join(fixtures, 'keys/sigstore-rs-ecdsa-encrypted-pw123.key');
    const expected123 = readFileSync(path.join(fixtures, 'derived/sigstore-rs-ecdsa-encrypted-pw123.expected.pub'), 'utf8');
    expect(await signet(['public-key', '--key', pw123], { cwd: tmpdir(), input: '123' })).toMatchObject({ code: 0, stdout: expected123 });
    expect(await signet(['public-key', '--key', pw123], { cwd: tmpdir(), password: '123' })).toMatchObject({
      code: 0,
      stdout: expected123,
    });
    expect((await signet(['public-key', '--key', pw123], { cwd: tmpdir(), input: '123\n' })).code).toBe(1);

    const emptyPw = path.join(fixtures, 'keys/sigstore-rs-cosign-generated-empty-pw.key');
    const expectedEmpty = readFileSync(path.join(fixtures, 'derived/sigstore-rs-cosign-generated-empty-pw.expected.pub'), 'utf8');
    expect(await signet(['public-key', '--key', emptyPw], { cwd: tmpdir(), password: '' })).toMatchObject({
      code: 0,
      stdout: expectedEmpty,
    });
  });
});
