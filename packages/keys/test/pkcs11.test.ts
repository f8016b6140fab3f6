import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePublicKeyPem, verifyBase64Signature } from '@signet/crypto';
import { startSoftHsmToken, type SoftHsmKey, type SoftHsmToken } from '@signet/testing';
import { keyProviderFromRef, listPkcs11Keys, listPkcs11Tokens, type KeyProvider } from '../src';
import { Pkcs11KeyProvider } from '../src/pkcs11/provider';

const TOKEN = 'signet test';
const PIN = '1234';

describe('PKCS#11 keys on a real token (SoftHSM2)', () => {
  let hsm: SoftHsmToken;
  let slotId: number;
  let key: SoftHsmKey;
  let other: SoftHsmKey;
  const providers: KeyProvider[] = [];
  /** A provider closed after the file's tests, so the module is finalised for the next test file. */
  const open = (ref: string, options: Parameters<typeof keyProviderFromRef>[1] = {}): KeyProvider => {
    const provider = keyProviderFromRef(ref, options);
    providers.push(provider);
    return provider;
  };
  const uri = (attrs: string, query = `&pin-value=${PIN}`) => hsm.uri(attrs, query);

  beforeAll(async () => {
    hsm = await startSoftHsmToken(TOKEN, PIN, { label: 'signer', id: '01' });
    ({ slotId, key } = hsm);
    other = await hsm.importP256Key(TOKEN, PIN, { label: 'backup key', id: 'a0b1' });
  });
  /** Closing every provider finalises the module, which logs the process out of the token. */
  const closeAll = () => Promise.all(providers.splice(0).map((p) => p.close?.()));
  afterAll(async () => {
    await closeAll();
    hsm.teardown();
  });

  it('signs through the token: crypto verifies the DER signature with the public key cosign would print', async () => {
    const provider = open(uri('token=signet%20test;object=signer'));
    expect(provider).toBeInstanceOf(Pkcs11KeyProvider);
    expect(provider.description).toBe(`pkcs11:token=signet%20test;object=signer?module-path=${hsm.modulePath}`);
    const signing = await provider.load();
    expect(signing.algorithm).toBe('ecdsa-p256');
    expect(signing.publicKeyPem).toBe(key.publicKeyPem);
    const data = Buffer.from('{"critical":{}}');
    const signature = await signing.sign(data);
    expect(Buffer.from(signature, 'base64')[0]).toBe(0x30);
    expect(verifyBase64Signature(parsePublicKeyPem(key.publicKeyPem), data, signature)).toBe(true);
    expect(verifyBase64Signature(parsePublicKeyPem(key.publicKeyPem), Buffer.from('other'), signature)).toBe(false);
    await expect(provider.ready?.()).resolves.toBe(true);
  });

  it('signs many digests at once over its sessions, each signature valid', async () => {
    const signing = await open(uri('token=signet%20test;object=signer')).load();
    const messages = Array.from({ length: 40 }, (_, i) => Buffer.from(`payload ${i}`));
    const signatures = await Promise.all(messages.map((m) => signing.sign(m)));
    const pub = parsePublicKeyPem(key.publicKeyPem);
    expect(messages.every((m, i) => verifyBase64Signature(pub, m, signatures[i] as string))).toBe(true);
  });

  it('finds the key by id (over the label), by slot-id, with the PIN from pin-source, COSIGN_PKCS11_PIN or the caller', async () => {
    const pinFile = join(hsm.tokenDir, '..', 'pin.txt');
    writeFileSync(pinFile, `${PIN}\n`);
    const cases: Array<[string, Parameters<typeof keyProviderFromRef>[1], SoftHsmKey]> = [
      [uri('token=signet%20test;id=%a0%b1;object=signer'), {}, other],
      [uri(`slot-id=${slotId};object=backup%20key`), {}, other],
      [uri('token=signet%20test;id=%01', `&pin-source=file:${pinFile}`), {}, key],
      [uri('token=signet%20test;id=%01', `&pin-source=${pinFile}`), {}, key],
      [`pkcs11:token=signet%20test;object=signer`, { env: { COSIGN_PKCS11_MODULE_PATH: hsm.modulePath, COSIGN_PKCS11_PIN: PIN } }, key],
      [uri('token=signet%20test;object=signer', ''), { pin: () => PIN }, key],
    ];
    for (const [ref, options, expected] of cases) {
      expect((await open(ref, options).load()).publicKeyPem).toBe(expected.publicKeyPem);
    }
  });

  it('reports a wrong PIN, a missing PIN, an unknown token or key and a bad module path as typed errors', async () => {
    // A login is the process's: while another provider is logged in, the token asks for no PIN.
    await closeAll();
    await expect(open(uri('token=signet%20test;object=signer', '&pin-value=9999')).load()).rejects.toMatchObject({
      code: 'WRONG_PIN',
      retryable: false,
    });
    await expect(open(uri('token=signet%20test;object=signer', '')).load()).rejects.toMatchObject({ code: 'PIN_REQUIRED' });
    await expect(open(uri('token=nope;object=signer')).load()).rejects.toMatchObject({ code: 'TOKEN_NOT_FOUND' });
    await expect(open(uri('token=signet%20test;object=missing')).load()).rejects.toMatchObject({ code: 'KEY_NOT_FOUND' });
    await expect(open('pkcs11:token=t;object=k?module-path=relative.so').load()).rejects.toMatchObject({ code: 'PKCS11_MODULE_ERROR' });
    await expect(open('pkcs11:token=t;object=k?module-path=/nonexistent/module.so').load()).rejects.toMatchObject({
      code: 'PKCS11_MODULE_ERROR',
    });
    // The right PIN still works after a wrong one: the failed load is forgotten.
    const retried = open(uri('token=signet%20test;object=signer'));
    await expect(retried.load()).resolves.toHaveProperty('publicKeyPem', key.publicKeyPem);
  });

  it('lists the tokens and the keys with cosign URIs that load the same keys', async () => {
    const tokens = await listPkcs11Tokens(hsm.modulePath);
    expect(tokens).toContainEqual(expect.objectContaining({ slotId, label: TOKEN, model: 'SoftHSM v2', loginRequired: true }));
    await expect(listPkcs11Keys(hsm.modulePath, { token: TOKEN })).rejects.toMatchObject({ code: 'PIN_REQUIRED' });
    const keys = await listPkcs11Keys(hsm.modulePath, { token: TOKEN }, PIN);
    expect(keys.map(({ label, id, keyType }) => ({ label, id, keyType })).sort((a, b) => a.id.localeCompare(b.id))).toEqual([
      { label: 'signer', id: '01', keyType: 'EC' },
      { label: 'backup key', id: 'a0b1', keyType: 'EC' },
    ]);
    // A prompt is asked the token's label, once, and its answer logs in.
    const asked: string[] = [];
    const prompted = await listPkcs11Keys(hsm.modulePath, { token: TOKEN }, async (token) => (asked.push(token), PIN));
    expect(asked).toEqual([TOKEN]);
    expect(prompted.map((k) => k.uri).sort()).toEqual(keys.map((k) => k.uri).sort());
    const signer = keys.find((k) => k.label === 'signer');
    expect(signer?.uri).toBe(`pkcs11:token=signet%20test;slot-id=${slotId};id=%01;object=signer?module-path=${hsm.modulePath}`);
    expect((await open(`${signer?.uri}&pin-value=${PIN}`).load()).publicKeyPem).toBe(key.publicKeyPem);
  });

  it('fails signing as retryable while the token is gone, is not ready, and recovers when it is back', async () => {
    const provider = open(uri('token=signet%20test;object=signer'));
    const signing = await provider.load();
    const putBack = hsm.removeTokens();
    try {
      await expect(signing.sign(Buffer.from('x'))).rejects.toMatchObject({ code: 'KEY_UNAVAILABLE', retryable: true });
      await expect(provider.ready?.()).resolves.toBe(false);
      await expect(signing.sign(Buffer.from('x'))).rejects.toMatchObject({ code: 'KEY_UNAVAILABLE', retryable: true });
    } finally {
      putBack();
    }
    await expect(provider.ready?.()).resolves.toBe(true);
    const data = Buffer.from('after the token came back');
    expect(verifyBase64Signature(parsePublicKeyPem(key.publicKeyPem), data, await signing.sign(data))).toBe(true);
  });

  it('refuses another token holding another key under the same names, and signs again when the original is back', async () => {
    const provider = open(uri('token=signet%20test;id=%01'));
    const signing = await provider.load();
    const putBack = hsm.removeTokens();
    try {
      mkdirSync(hsm.tokenDir);
      await hsm.initToken(TOKEN, { pin: PIN });
      const impostor = await hsm.importP256Key(TOKEN, PIN, { label: 'signer', id: '01' });
      expect(impostor.publicKeyPem).not.toBe(key.publicKeyPem);
      await expect(provider.ready?.()).resolves.toBe(false);
      await expect(signing.sign(Buffer.from('x'))).rejects.toMatchObject({
        code: 'KEY_UNAVAILABLE',
        message: expect.stringContaining('now holds a different key'),
      });
    } finally {
      rmSync(hsm.tokenDir, { recursive: true, force: true });
      putBack();
    }
    await expect(provider.ready?.()).resolves.toBe(true);
    const data = Buffer.from('the original token again');
    expect(verifyBase64Signature(parsePublicKeyPem(key.publicKeyPem), data, await signing.sign(data))).toBe(true);
  });
});
