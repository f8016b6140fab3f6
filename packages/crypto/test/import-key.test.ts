import { mkdtempSync, writeFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  importCosignKeyPair,
  isEncryptedKeyPem,
  loadPrivateKeyPem,
  parsePublicKeyPem,
  signingKeyFromPrivateKey,
  verifyBase64Signature,
} from '../src';

const plainPem = (): string =>
  generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;

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
    const key = signingKeyFromPrivateKey(await loadPrivateKeyPem(await readFile(path.join(dir, 'k.key'), 'utf8'), 'pw'));
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
