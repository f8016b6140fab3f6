import { createHash, generateKeyPairSync } from 'node:crypto';
import { parsePublicKeyPem, verifyBase64Signature } from '@signet/crypto';
import { keyProviderFromRef } from '../src';
import { EnvKeyProvider, FileKeyProvider } from '../src/providers';
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
    expect(() => keyProviderFromRef('k8s://ns/secret')).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED_KEY_REFERENCE', message: 'unsupported key reference scheme: k8s://' }),
    );
  });
});
