import { chmodSync, mkdtempSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeKeyFile } from '../src';
import { decryptEncryptedKeyFile, encryptPrivateKey } from '../src/encrypted-key';

const tempDir = (): string => mkdtempSync(path.join(tmpdir(), 'signet-keyfile-'));

describe('writeKeyFile', () => {
  it('replaces a file with a new inode of exactly the requested mode, whatever the old mode and the umask', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'cosign.key');
    writeFileSync(file, 'old');
    chmodSync(file, 0o666);
    const oldInode = statSync(file).ino;
    await writeKeyFile(file, 'new', { mode: 0o600, overwrite: true });
    expect(readFileSync(file, 'utf8')).toBe('new');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(file).ino).not.toBe(oldInode);
    expect(readdirSync(dir)).toEqual(['cosign.key']);
  });

  it('without overwrite refuses an existing file and leaves no temporary file', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'cosign.pub');
    writeFileSync(file, 'old');
    await expect(writeKeyFile(file, 'new', { mode: 0o644, overwrite: false })).rejects.toMatchObject({
      code: 'KEY_FILE_EXISTS',
      path: file,
    });
    expect(readFileSync(file, 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['cosign.pub']);
  });

  it('refuses a symbolic link, with or without overwrite, and writes nothing', async () => {
    const dir = tempDir();
    const target = path.join(dir, 'target');
    writeFileSync(target, 'keep');
    symlinkSync(target, path.join(dir, 'cosign.key'));
    for (const overwrite of [true, false]) {
      await expect(writeKeyFile(path.join(dir, 'cosign.key'), 'x', { mode: 0o600, overwrite })).rejects.toMatchObject({
        code: 'KEY_FILE_SYMLINK',
      });
    }
    expect(readFileSync(target, 'utf8')).toBe('keep');
    expect(readdirSync(dir).sort()).toEqual(['cosign.key', 'target']);
  });
});

describe('key passwords as bytes', () => {
  it('passes the exact bytes to scrypt: "pass\\xff" does not open a key made with "pass\\xfe", and a string is its UTF-8', async () => {
    const der = Buffer.from('not really a key, but secretbox does not care');
    const pem = await encryptPrivateKey(der, Buffer.from('pass\xfe', 'latin1'));
    await expect(decryptEncryptedKeyFile(pem, Buffer.from('pass\xff', 'latin1'))).rejects.toMatchObject({ code: 'WRONG_PASSWORD' });
    await expect(decryptEncryptedKeyFile(pem, 'pass\ufffd')).rejects.toMatchObject({ code: 'WRONG_PASSWORD' });
    expect((await decryptEncryptedKeyFile(pem, Buffer.from('pass\xfe', 'latin1'))).equals(der)).toBe(true);

    const text = await encryptPrivateKey(der, 'pässwörd');
    expect((await decryptEncryptedKeyFile(text, Buffer.from('pässwörd', 'utf8'))).equals(der)).toBe(true);
  });
});
