import { generateKeyPairSync } from 'node:crypto';
import { parsePublicKeyPem, signingKeyFromPrivateKey, verifyBase64Signature } from '@signet/crypto';
import { keyProviderFromRef, registerKeyProvider, type KeyProvider } from '../src';
import { KeyProviderRegistry, KMS_SCHEMES } from '../src/references';

/** A KMS stand-in: the key stays in this object, as a KMS key stays in the service; signing goes through it. */
function inProcessKms(): { provider: (ref: string) => KeyProvider; signed: string[] } {
  const signed: string[] = [];
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const key = signingKeyFromPrivateKey(privateKey);
  return {
    signed,
    provider: (ref) => ({
      description: ref,
      load: async () => ({
        ...key,
        sign: async (data) => {
          signed.push(ref);
          return key.sign(data);
        },
      }),
      ready: async () => true,
    }),
  };
}

describe('key references by scheme', () => {
  it.each(KMS_SCHEMES)('names %s:// as a KMS whose provider is not built in', (scheme) => {
    expect(() => keyProviderFromRef(`${scheme}://some/key`)).toThrow(
      expect.objectContaining({
        code: 'KMS_PROVIDER_NOT_BUILT_IN',
        retryable: false,
        message: expect.stringContaining(`${scheme}:// keys need a KMS provider`),
      }),
    );
  });

  it('serves a KMS name through a registered provider, whose key signs like any other', async () => {
    const kms = inProcessKms();
    const unregister = registerKeyProvider('awskms', (ref) => kms.provider(ref));
    try {
      const provider = keyProviderFromRef('awskms:///alias/signet');
      expect(provider.description).toBe('awskms:///alias/signet');
      const key = await provider.load();
      const data = Buffer.from('payload');
      expect(verifyBase64Signature(parsePublicKeyPem(key.publicKeyPem), data, await key.sign(data))).toBe(true);
      expect(kms.signed).toEqual(['awskms:///alias/signet']);
    } finally {
      unregister();
    }
    expect(() => keyProviderFromRef('awskms:///alias/signet')).toThrow(expect.objectContaining({ code: 'KMS_PROVIDER_NOT_BUILT_IN' }));
  });

  it('looks schemes up in the registry it is given, and passes the options on', () => {
    const providers = new KeyProviderRegistry();
    const seen: unknown[] = [];
    providers.register('testkms://', (ref, options) => {
      seen.push(options.env);
      return inProcessKms().provider(ref);
    });
    expect(providers.schemes).toEqual(['testkms']);
    expect(keyProviderFromRef('TESTKMS://k', { providers, env: { A: '1' } }).description).toBe('TESTKMS://k');
    expect(seen).toEqual([{ A: '1' }]);
    expect(() => keyProviderFromRef('testkms://k')).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_KEY_REFERENCE' }));
  });

  it('keeps file, env:// and pkcs11: built in, and one provider per scheme', () => {
    const providers = new KeyProviderRegistry();
    for (const scheme of ['env', 'file', 'pkcs11'])
      expect(() => providers.register(scheme, () => inProcessKms().provider(scheme))).toThrow(/built in/);
    providers.register('gcpkms', () => inProcessKms().provider('a'));
    expect(() => providers.register('gcpkms', () => inProcessKms().provider('b'))).toThrow(/already registered/);
  });

  it('parses a pkcs11: URI when the provider is made, opening nothing until load', () => {
    expect(() => keyProviderFromRef('pkcs11:object=k?module-path=/m.so')).toThrow(expect.objectContaining({ code: 'INVALID_PKCS11_URI' }));
    expect(keyProviderFromRef('pkcs11:token=t;object=k?module-path=/nonexistent.so&pin-value=1234').description).toBe(
      'pkcs11:token=t;object=k?module-path=/nonexistent.so',
    );
  });
});
