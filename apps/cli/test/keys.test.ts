import { generateKeyPairSync } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  lstatSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { mode, signet, tempDir } from './key-helpers';

describe('signet key commands', () => {
  const dir = tempDir();

  beforeAll(async () => {
    const result = await signet(['generate-key-pair'], { cwd: dir, password: 'correct horse' });
    expect(result).toMatchObject({ code: 0, stdout: '' });
  });

  it('generate-key-pair writes a 0600 cosign.key and a 0644 cosign.pub in cosign layout', () => {
    const key = path.join(dir, 'cosign.key');
    const pub = path.join(dir, 'cosign.pub');
    expect(mode(key)).toBe(0o600);
    expect(mode(pub)).toBe(0o644);
    expect(statSync(key).size).toBe(653);
    expect(statSync(pub).size).toBe(178);
    expect(readFileSync(key, 'utf8')).toMatch(/^-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n/);
  });

  it('public-key prints exactly the cosign.pub contents', async () => {
    const result = await signet(['public-key', '--key', 'cosign.key'], { cwd: dir, password: 'correct horse' });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(readFileSync(path.join(dir, 'cosign.pub'), 'utf8'));
  });

  it('sign-blob output verifies with verify-blob, and a changed file does not', async () => {
    writeFileSync(path.join(dir, 'blob.txt'), 'release 1.0\n');
    const signed = await signet(['sign-blob', '--key', 'cosign.key', 'blob.txt'], { cwd: dir, password: 'correct horse' });
    expect(signed.code).toBe(0);
    const signature = signed.stdout.trim();
    expect(signature).toMatch(/^ME[QUY]C[A-Za-z0-9+/]+=*$/);
    writeFileSync(path.join(dir, 'blob.sig'), signed.stdout);

    const fromFile = await signet(['verify-blob', '--key', 'cosign.pub', '--signature', 'blob.sig', 'blob.txt'], { cwd: dir });
    expect(fromFile).toMatchObject({ code: 0, stdout: 'Verified OK\n' });
    const inline = await signet(['verify-blob', '--key', 'cosign.pub', '--signature', signature, 'blob.txt'], { cwd: dir });
    expect(inline).toMatchObject({ code: 0, stdout: 'Verified OK\n' });

    writeFileSync(path.join(dir, 'blob.txt'), 'release 1.0 (tampered)\n');
    const tampered = await signet(['verify-blob', '--key', 'cosign.pub', '--signature', 'blob.sig', 'blob.txt'], { cwd: dir });
    expect(tampered.code).toBe(1);
    expect(tampered.stdout).toBe('');
    expect(tampered.stderr).toMatch(/^Error: signature does not verify/);
  });

  it('refuses to overwrite existing key files without --force', async () => {
    const before = readFileSync(path.join(dir, 'cosign.key'));
    const refused = await signet(['generate-key-pair'], { cwd: dir, password: 'x' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(`Error: cosign.key already exists; use --force to overwrite it\n`);
    expect(readFileSync(path.join(dir, 'cosign.key')).equals(before)).toBe(true);

    const forced = await signet(['generate-key-pair', '--force', '--output-key-prefix', 'cosign'], { cwd: dir, password: 'correct horse' });
    expect(forced.code).toBe(0);
    expect(readFileSync(path.join(dir, 'cosign.key')).equals(before)).toBe(false);
    expect(mode(path.join(dir, 'cosign.key'))).toBe(0o600);
  });

  it('reports a wrong password in exactly one stderr line and prints nothing else', async () => {
    writeFileSync(path.join(dir, 'other.txt'), 'x');
    const result = await signet(['sign-blob', '--key', 'cosign.key', 'other.txt'], { cwd: dir, password: 'wrong' });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('Error: wrong password for private key cosign.key\n');
  });

  it('fails clearly when no password source exists (no COSIGN_PASSWORD, stdin closed or empty)', async () => {
    for (const input of [undefined, '']) {
      const result = await signet(['generate-key-pair', '--output-key-prefix', 'nopw'], {
        cwd: dir,
        ...(input !== undefined ? { input } : {}),
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^Error: a password is needed .*COSIGN_PASSWORD/);
      expect(existsSync(path.join(dir, 'nopw.key'))).toBe(false);
    }
  });

  it('takes the whole of piped stdin as the password, byte for byte as cosign does', async () => {
    const piped = tempDir();
    const generated = await signet(['generate-key-pair'], { cwd: piped, input: 'piped secret\n' });
    expect(generated).toMatchObject({ code: 0, stdout: '' });
    // The trailing newline belongs to the password (cosign reads stdin with io.ReadAll).
    expect((await signet(['public-key', '--key', 'cosign.key'], { cwd: piped, password: 'piped secret\n' })).code).toBe(0);
    const trimmed = await signet(['public-key', '--key', 'cosign.key'], { cwd: piped, password: 'piped secret' });
    expect(trimmed.stderr).toBe('Error: wrong password for private key cosign.key\n');

    writeFileSync(path.join(piped, 'blob.txt'), 'release 2.0\n');
    const signed = await signet(['sign-blob', '--key', 'cosign.key', 'blob.txt'], { cwd: piped, input: 'piped secret\n' });
    expect(signed.code).toBe(0);
    writeFileSync(path.join(piped, 'blob.sig'), signed.stdout);
    const verified = await signet(['verify-blob', '--key', 'cosign.pub', '--signature', 'blob.sig', 'blob.txt'], { cwd: piped });
    expect(verified).toMatchObject({ code: 0, stdout: 'Verified OK\n' });
    // COSIGN_PASSWORD wins over stdin, as in cosign.
    const envWins = await signet(['sign-blob', '--key', 'cosign.key', 'blob.txt'], {
      cwd: piped,
      password: 'piped secret\n',
      input: 'not the password',
    });
    expect(envWins.code).toBe(0);
  });
});

describe('signet import-key-pair', () => {
  it('re-wraps a PKCS#8 PEM made by node:crypto into a cosign key with the same public key', async () => {
    const dir = tempDir();
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    writeFileSync(path.join(dir, 'plain.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const imported = await signet(['import-key-pair', '--key', 'plain.pem'], { cwd: dir, password: '' });
    expect(imported.code).toBe(0);
    expect(readFileSync(path.join(dir, 'import-cosign.key'), 'utf8')).toMatch(/^-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----/);
    const expectedPub = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(readFileSync(path.join(dir, 'import-cosign.pub'), 'utf8')).toBe(expectedPub);

    const pub = await signet(['public-key', '--key', 'import-cosign.key', '--outfile', 'out.pub'], { cwd: dir, password: '' });
    expect(pub.code).toBe(0);
    expect(readFileSync(path.join(dir, 'out.pub'), 'utf8')).toBe(expectedPub);
  });

  it('rejects a file that is not a plain private key', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'junk.pem'), 'hello');
    const result = await signet(['import-key-pair', '--key', 'junk.pem'], { cwd: dir, password: '' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^Error: junk\.pem: no PEM block found/);
  });
});

describe('signet usage', () => {
  it.each(['generate-key-pair', 'import-key-pair', 'public-key', 'sign-blob', 'verify-blob'])(
    '%s --help exits 0 and prints its usage',
    async (command) => {
      const result = await signet([command, '--help'], { cwd: tmpdir() });
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`Usage: signet ${command}`);
    },
  );

  it('exits 2 with one Error line for unknown commands and missing options', async () => {
    const unknown = await signet(['frobnicate'], { cwd: tmpdir() });
    expect(unknown).toMatchObject({ code: 2, stderr: "Error: unknown command 'frobnicate'\n" });
    const missing = await signet(['verify-blob', 'file'], { cwd: tmpdir() });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^Error: required option '-k, --key <file>' not specified\n$/);
  });
});

describe('key files are replaced, never written through', () => {
  /** Everything a descriptor opened on `file` reads now. */
  const readThrough = (fd: number): Buffer => {
    const buffer = Buffer.alloc(4096);
    return buffer.subarray(0, readSync(fd, buffer, 0, buffer.length, 0));
  };

  it('--force over a 0644 cosign.key leaves a new 0600 file; a reader of the old file never sees the new key', async () => {
    const dir = tempDir();
    const key = path.join(dir, 'cosign.key');
    writeFileSync(key, 'old world-readable key\n');
    chmodSync(key, 0o644);
    const oldInode = statSync(key).ino;
    // Another local user who opened the 0644 file before the overwrite keeps reading through that descriptor.
    const fd = openSync(key, 'r');
    try {
      const forced = await signet(['generate-key-pair', '--force'], { cwd: dir, password: 'pw' });
      expect(forced).toMatchObject({ code: 0, stdout: '' });
      expect(readThrough(fd).toString()).toBe('old world-readable key\n');
    } finally {
      closeSync(fd);
    }
    expect(mode(key)).toBe(0o600);
    expect(statSync(key).ino).not.toBe(oldInode);
    expect(mode(path.join(dir, 'cosign.pub'))).toBe(0o644);
    expect(readFileSync(key, 'utf8')).toMatch(/^-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n/);
    // No temporary file is left beside the keys.
    expect(readdirSync(dir).sort()).toEqual(['cosign.key', 'cosign.pub']);
  });

  it.each([
    ['cosign.key', ['generate-key-pair', '--force']],
    ['cosign.pub', ['generate-key-pair', '--force']],
    ['cosign.key', ['generate-key-pair']],
    ['import-cosign.key', ['import-key-pair', '--key', 'plain.pem', '--force']],
    ['import-cosign.pub', ['import-key-pair', '--key', 'plain.pem', '--force']],
  ])('refuses a symlink at %s (%j) and leaves its target untouched', async (link, args) => {
    const dir = tempDir();
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    writeFileSync(path.join(dir, 'plain.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const victim = path.join(dir, 'authorized_keys');
    writeFileSync(victim, 'ssh-ed25519 AAAA... admin\n');
    chmodSync(victim, 0o644);
    symlinkSync(victim, path.join(dir, link));

    const result = await signet(args, { cwd: dir, password: 'pw' });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `Error: ${link} is a symbolic link; refusing to write a key file through it (remove it or choose another --output-key-prefix)\n`,
    );
    expect(readFileSync(victim, 'utf8')).toBe('ssh-ed25519 AAAA... admin\n');
    expect(mode(victim)).toBe(0o644);
    expect(lstatSync(path.join(dir, link)).isSymbolicLink()).toBe(true);
    // Neither file of the pair is written when one of them is refused.
    expect(readdirSync(dir).sort()).toEqual(['authorized_keys', link, 'plain.pem'].sort());
  });

  it('refuses a dangling symlink at the key path instead of creating the file it names', async () => {
    const dir = tempDir();
    symlinkSync(path.join(dir, 'planted.key'), path.join(dir, 'cosign.key'));
    const result = await signet(['generate-key-pair', '--force'], { cwd: dir, password: 'pw' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^Error: cosign\.key is a symbolic link; refusing/);
    expect(existsSync(path.join(dir, 'planted.key'))).toBe(false);
    expect(existsSync(path.join(dir, 'cosign.pub'))).toBe(false);
  });

  it('public-key --outfile replaces a file with a new 0644 one and refuses a symlink', async () => {
    const dir = tempDir();
    expect((await signet(['generate-key-pair'], { cwd: dir, password: 'pw' })).code).toBe(0);
    writeFileSync(path.join(dir, 'out.pub'), 'old');
    chmodSync(path.join(dir, 'out.pub'), 0o600);
    const written = await signet(['public-key', '--key', 'cosign.key', '--outfile', 'out.pub'], { cwd: dir, password: 'pw' });
    expect(written.code).toBe(0);
    expect(readFileSync(path.join(dir, 'out.pub'), 'utf8')).toBe(readFileSync(path.join(dir, 'cosign.pub'), 'utf8'));
    expect(mode(path.join(dir, 'out.pub'))).toBe(0o644);

    writeFileSync(path.join(dir, 'victim'), 'keep');
    symlinkSync(path.join(dir, 'victim'), path.join(dir, 'link.pub'));
    const refused = await signet(['public-key', '--key', 'cosign.key', '--outfile', 'link.pub'], { cwd: dir, password: 'pw' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^Error: link\.pub is a symbolic link; refusing/);
    expect(readFileSync(path.join(dir, 'victim'), 'utf8')).toBe('keep');
  });
});

describe('--kdf-compat', () => {
  /** The scrypt parameters in a key file's envelope. */
  const kdfParams = (file: string): unknown => {
    const body = readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line && !line.startsWith('-----'))
      .join('');
    return (JSON.parse(Buffer.from(body, 'base64').toString('utf8')) as { kdf: { params: unknown } }).kdf.params;
  };

  it('generate-key-pair and import-key-pair write N=32768 key files that Signet opens; the default stays N=65536', async () => {
    const dir = tempDir();
    expect((await signet(['generate-key-pair', '--kdf-compat'], { cwd: dir, password: 'pw' })).code).toBe(0);
    expect(kdfParams(path.join(dir, 'cosign.key'))).toEqual({ N: 32768, r: 8, p: 1 });
    const opened = await signet(['public-key', '--key', 'cosign.key'], { cwd: dir, password: 'pw' });
    expect(opened).toMatchObject({ code: 0, stdout: readFileSync(path.join(dir, 'cosign.pub'), 'utf8') });

    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    writeFileSync(path.join(dir, 'plain.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    expect((await signet(['import-key-pair', '--kdf-compat', '--key', 'plain.pem'], { cwd: dir, password: 'pw' })).code).toBe(0);
    expect(kdfParams(path.join(dir, 'import-cosign.key'))).toEqual({ N: 32768, r: 8, p: 1 });
    expect((await signet(['public-key', '--key', 'import-cosign.key'], { cwd: dir, password: 'pw' })).code).toBe(0);

    expect((await signet(['generate-key-pair', '--output-key-prefix', 'default'], { cwd: dir, password: 'pw' })).code).toBe(0);
    expect(kdfParams(path.join(dir, 'default.key'))).toEqual({ N: 65536, r: 8, p: 1 });
  });
});
