import { chmodSync, mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { parseConfig } from './load';
import { Secret } from './secret';

const TOKEN_A = 'eyJwYXlsb2FkIjoiYSJ9-token-a';
const TOKEN_B = 'eyJwYXlsb2FkIjoiYiJ9-token-b-longer';

describe('Secret read from a file', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'signet-secret-'));
    file = join(dir, 'password');
    writeFileSync(file, TOKEN_A + '\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the file without its trailing newline, and a rewrite on the next use', () => {
    const s = Secret.fromFile(file, 'given');
    expect(s.reveal()).toBe(TOKEN_A);
    writeFileSync(file, TOKEN_B + '\n');
    expect(s.reveal()).toBe(TOKEN_B);
  });

  it('sees a file replaced by rename (new inode), as refreshers that write atomically do', () => {
    const s = Secret.fromFile(file, 'given');
    writeFileSync(join(dir, 'password.tmp'), TOKEN_B);
    renameSync(join(dir, 'password.tmp'), file);
    expect(s.reveal()).toBe(TOKEN_B);
  });

  it('follows a Kubernetes Secret volume update: a new ..data directory swapped in by renaming a link', () => {
    const vol = join(dir, 'vol');
    mkdirSync(join(vol, '..v1'), { recursive: true });
    writeFileSync(join(vol, '..v1', 'password'), TOKEN_A);
    symlinkSync('..v1', join(vol, '..data'));
    symlinkSync('..data/password', join(vol, 'password'));
    const s = Secret.fromFile(join(vol, 'password'), 'given');
    expect(s.reveal()).toBe(TOKEN_A);

    mkdirSync(join(vol, '..v2'));
    writeFileSync(join(vol, '..v2', 'password'), TOKEN_B);
    symlinkSync('..v2', join(vol, '..data_tmp'));
    renameSync(join(vol, '..data_tmp'), join(vol, '..data'));
    rmSync(join(vol, '..v1'), { recursive: true });
    expect(s.reveal()).toBe(TOKEN_B);
  });

  it('keeps the last value while the file is missing, unreadable, empty or a placeholder', () => {
    const s = Secret.fromFile(file, 'given');
    unlinkSync(file);
    expect(s.reveal()).toBe(TOKEN_A);
    writeFileSync(file, '');
    expect(s.reveal()).toBe(TOKEN_A);
    writeFileSync(file, 'changeme\n');
    expect(s.reveal()).toBe(TOKEN_A);
    if (process.getuid?.() !== 0) {
      writeFileSync(file, TOKEN_B);
      chmodSync(file, 0o000);
      expect(s.reveal()).toBe(TOKEN_A);
      chmodSync(file, 0o600);
    }
    writeFileSync(file, TOKEN_B);
    expect(s.reveal()).toBe(TOKEN_B);
  });

  it('reload() reads the file whatever stat says and tells whether the value changed', () => {
    const s = Secret.fromFile(file, 'given');
    expect(s.reload()).toBe(false);
    writeFileSync(file, TOKEN_B);
    expect(s.reload()).toBe(true);
    expect(s.reveal()).toBe(TOKEN_B);
    expect(s.reload()).toBe(false);
    expect(new Secret(TOKEN_A).reload()).toBe(false);
  });

  it('applies the start-time judgement of a chosen secret to a rewritten file: a short value is ignored', () => {
    writeFileSync(file, 'a-webhook-token-of-32-characters');
    const s = Secret.fromFile(file, 'chosen');
    writeFileSync(file, 'short');
    expect(s.reveal()).toBe('a-webhook-token-of-32-characters');
  });

  it('never prints the value, before or after a reload', () => {
    const s = Secret.fromFile(file, 'given');
    writeFileSync(file, TOKEN_B);
    s.reload();
    for (const shown of [
      inspect(s, { depth: 5, showHidden: true }),
      String(s),
      `${s}`,
      JSON.stringify({ s }),
      inspect({ nested: { s } }, { depth: 5 }),
    ]) {
      expect(shown).not.toContain(TOKEN_A);
      expect(shown).not.toContain(TOKEN_B);
      expect(shown).not.toContain('eyJ');
    }
  });

  it('is what parseConfig gives for a registry passwordFile, following the file', () => {
    const cfg = parseConfig(
      { registries: [{ name: 'ecr', url: 'https://123456789012.dkr.ecr.eu-west-1.amazonaws.com', username: 'AWS', passwordFile: file }] },
      { app: 'cli', env: {} },
    );
    const password = cfg.registries[0]?.password;
    expect(password?.reveal()).toBe(TOKEN_A);
    writeFileSync(file, TOKEN_B);
    expect(password?.reveal()).toBe(TOKEN_B);
  });
});
