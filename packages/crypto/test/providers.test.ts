import { mkdtempSync, writeFileSync } from 'node:fs';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  EnvKeyProvider,
  FileKeyProvider,
  importCosignKeyPair,
  isEncryptedKeyPem,
  keyProviderFromRef,
  parsePublicKeyPem,
  verifyBase64Signature,
} from '../src';
import { fixturePath, readFixtureText } from './fixtures';

const plainPem = (): string =>
  generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;

describe('key providers', () => {
  it('loads an encrypted cosign key file once and shares the result', async () => {
    let passwordReads = 0;
    const provider = new FileKeyProvider(fixturePath('keys/sigstore-rs-ecdsa-encrypted-pw123.key'), () => {
      passwordReads++;
      return '123';
    });
    const [a, b] = await Promise.all([provider.load(), provider.load()]);
    expect(a).toBe(b);
    expect(await provider.load()).toBe(a);
    expect(passwordReads).toBe(1);
    expect(a.publicKeyPem).toBe(readFixtureText('derived/sigstore-rs-ecdsa-encrypted-pw123.expected.pub'));
    expect(a.fingerprint.sha256).toBe('00208863d9785226df9ad68ceb2ad5b43f1f5ddd686147f25116ee088726eb6d');
    expect(a.fingerprint.short).toBe('00208863d9785226');
    const data = Buffer.from('hello');
    expect(verifyBase64Signature(parsePublicKeyPem(a.publicKeyPem), data, await a.sign(data))).toBe(true);
  });

  it('reports a wrong password and lets a later load try again', async () => {
    let password = 'nope';
    const provider = new FileKeyProvider(fixturePath('keys/sigstore-rs-ecdsa-encrypted-pw123.key'), () => password);
    await expect(provider.load()).rejects.toMatchObject({ code: 'WRONG_PASSWORD' });
    password = '123';
    await expect(provider.load()).resolves.toHaveProperty('algorithm', 'ecdsa-p256');
  });

  it('reads a plain PEM from env:// and names only the variable', async () => {
    const provider = keyProviderFromRef('env://SIGNET_TEST_KEY', { env: { SIGNET_TEST_KEY: plainPem() } });
    expect(provider).toBeInstanceOf(EnvKeyProvider);
    expect(provider.description).toBe('env://SIGNET_TEST_KEY');
    const key = await provider.load();
    const spki = key.publicKey.export({ type: 'spki', format: 'der' });
    expect(key.fingerprint.sha256).toBe(createHash('sha256').update(spki).digest('hex'));
  });

  it('reports an unset env:// variable as a malformed key', async () => {
    await expect(keyProviderFromRef('env://MISSING', { env: {} }).load()).rejects.toMatchObject({ code: 'MALFORMED_KEY_FILE' });
  });

  it('accepts file:// and plain paths and refuses unknown schemes', () => {
    expect(keyProviderFromRef('file:///tmp/cosign.key')).toBeInstanceOf(FileKeyProvider);
    expect(keyProviderFromRef('cosign.key').description).toBe('cosign.key');
    expect(() => keyProviderFromRef('awskms://alias/x')).toThrow(/unsupported key reference scheme/);
  });
});

describe('importing plain keys', () => {
  it.each([
    ['PKCS#8 EC', () => plainPem()],
    ['SEC1 EC', () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'sec1', format: 'pem' }) as string],
    ['PKCS#1 RSA', () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }) as string],
    ['PKCS#8 Ed25519', () => generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string],
  ])('re-wraps a %s key into a cosign key file that signs', async (_name, make) => {
    const files = await importCosignKeyPair(make(), 'pw', { params: { N: 32768, r: 8, p: 1 } });
    expect(isEncryptedKeyPem(files.privateKeyPem)).toBe(true);
    const dir = mkdtempSync(path.join(tmpdir(), 'signet-import-'));
    writeFileSync(path.join(dir, 'k.key'), files.privateKeyPem);
    const key = await new FileKeyProvider(path.join(dir, 'k.key'), 'pw').load();
    expect(key.publicKeyPem).toBe(files.publicKeyPem);
    const data = Buffer.from('blob');
    expect(verifyBase64Signature(parsePublicKeyPem(files.publicKeyPem), data, await key.sign(data))).toBe(true);
  });

  it('refuses key types cosign refuses', async () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    await expect(importCosignKeyPair(small, 'pw')).rejects.toMatchObject({ code: 'UNSUPPORTED_KEY_TYPE' });
    await expect(importCosignKeyPair(k1, 'pw')).rejects.toMatchObject({ code: 'UNSUPPORTED_KEY_TYPE' });
  });
});
