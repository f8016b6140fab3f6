import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { decryptPrivateKey, generateCosignKeyPair, publicKeyToPem, spkiDer } from '../src';
import { decryptEncryptedKeyFile, deriveKey, encryptPrivateKey, parseEncryptedKeyFile } from '../src/encrypted-key';
import { readFixtureText } from './fixtures';

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
interface Envelope {
  kdf: { name: string; params: { N: number; r: number; p: number }; salt: string };
  cipher: { name: string; nonce: string };
  ciphertext: string;
}

const PW123_KEY = 'keys/sigstore-rs-ecdsa-encrypted-pw123.key';
const EMPTY_PW_KEY = 'keys/sigstore-rs-cosign-generated-empty-pw.key';

/** Rewrites the envelope JSON inside a key file, keeping the PEM layout. */
function editEnvelope(pem: string, edit: (env: Envelope) => void): string {
  const lines = pem.trim().split('\n');
  const body = Buffer.from(lines.slice(1, -1).join(''), 'base64').toString('utf8');
  const env = JSON.parse(body) as Envelope;
  edit(env);
  const b64 = Buffer.from(JSON.stringify(env))
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n');
  return `${lines[0]}\n${b64}\n${lines[lines.length - 1]}\n`;
}

describe('reading cosign encrypted key files', () => {
  it('decrypts the legacy COSIGN-label N=32768 key with password "123" to the expected key', async () => {
    const pem = readFixtureText(PW123_KEY);
    const envelope = parseEncryptedKeyFile(pem);
    expect(envelope.pemType).toBe('ENCRYPTED COSIGN PRIVATE KEY');
    expect(envelope.params).toEqual({ N: 32768, r: 8, p: 1 });
    const scrypt = await deriveKey('123', envelope.salt, envelope.params);
    expect(scrypt.toString('hex')).toBe('d506295f2ba49b527809eca6f3bb5f93ac8190bcba528b749498563928dec683');

    const der = await decryptEncryptedKeyFile(pem, '123');
    expect(der).toHaveLength(138);
    expect(sha256(der)).toBe('24705147fc103644022054361a57ef258146ecb2c97485d71ac7d10a5ecba900');
    const key = await decryptPrivateKey(pem, '123');
    const pub = createPublicKey(key);
    expect(sha256(spkiDer(pub))).toBe('00208863d9785226df9ad68ceb2ad5b43f1f5ddd686147f25116ee088726eb6d');
    expect(publicKeyToPem(pub)).toBe(readFixtureText('derived/sigstore-rs-ecdsa-encrypted-pw123.expected.pub'));
  });

  it('decrypts the cosign-generated SIGSTORE-label N=65536 key with the empty password', async () => {
    const pem = readFixtureText(EMPTY_PW_KEY);
    const envelope = parseEncryptedKeyFile(pem);
    expect(envelope.pemType).toBe('ENCRYPTED SIGSTORE PRIVATE KEY');
    expect(envelope.params).toEqual({ N: 65536, r: 8, p: 1 });
    const der = await decryptEncryptedKeyFile(pem, '');
    expect(der).toHaveLength(138);
    expect(sha256(der)).toBe('5f761b5111f5661fd45cd090b4fca26325aaeed66c8228f12426b966b41bb33a');
    const pub = createPublicKey(await decryptPrivateKey(pem, ''));
    expect(sha256(spkiDer(pub))).toBe('0d8cd6794def5c5e3b42f37bf6ee29bb252ce269771cf3c0785d92fca7be586f');
    expect(publicKeyToPem(pub)).toBe(readFixtureText('derived/sigstore-rs-cosign-generated-empty-pw.expected.pub'));
  });

  it('rejects "123\\n" as a wrong password rather than returning garbage', async () => {
    await expect(decryptEncryptedKeyFile(readFixtureText(PW123_KEY), '123\n')).rejects.toMatchObject({
      code: 'WRONG_PASSWORD',
    });
  });

  it('parses the cosign CI key envelope and fails cleanly with a guessed password', async () => {
    const pem = readFixtureText('keys/cosign-test-unknown-pw.key');
    const envelope = parseEncryptedKeyFile(pem);
    expect(envelope.params).toEqual({ N: 32768, r: 8, p: 1 });
    expect(envelope.salt).toHaveLength(32);
    expect(envelope.nonce).toHaveLength(24);
    expect(envelope.ciphertext).toHaveLength(154);
    await expect(decryptEncryptedKeyFile(pem, '')).rejects.toMatchObject({ code: 'WRONG_PASSWORD' });
  });

  it.each([
    ['N=16384', (e: Envelope) => (e.kdf.params.N = 16384)],
    ['N=2^30 (inflation attack)', (e: Envelope) => (e.kdf.params.N = 2 ** 30)],
    ['r=16', (e: Envelope) => (e.kdf.params.r = 16)],
    ['p=2', (e: Envelope) => (e.kdf.params.p = 2)],
    ['kdf name argon2', (e: Envelope) => (e.kdf.name = 'argon2')],
    ['cipher name aes-gcm', (e: Envelope) => (e.cipher.name = 'aes-gcm')],
  ])('rejects %s with UNSUPPORTED_KDF_PARAMS before running scrypt', async (_name, edit) => {
    const pem = editEnvelope(readFixtureText(PW123_KEY), edit);
    // The synchronous envelope parser refuses it, and decryption parses before it derives a key, so no scrypt
    // runs (a wall-clock bound would say the same less reliably on a loaded host).
    expect(() => parseEncryptedKeyFile(pem)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_KDF_PARAMS' }));
    await expect(decryptEncryptedKeyFile(pem, '123')).rejects.toMatchObject({ code: 'UNSUPPORTED_KDF_PARAMS' });
  });

  it('rejects a PEM block that is not an encrypted cosign key', () => {
    expect(() => parseEncryptedKeyFile(readFixtureText('containers-image/cosign.pub'))).toThrow(
      expect.objectContaining({ code: 'MALFORMED_KEY_FILE' }),
    );
    expect(() => parseEncryptedKeyFile('not pem at all')).toThrow(expect.objectContaining({ code: 'MALFORMED_KEY_FILE' }));
  });

  it('rejects a tampered ciphertext as a wrong password', async () => {
    const pem = editEnvelope(readFixtureText(PW123_KEY), (e) => {
      const ct = Buffer.from(e.ciphertext, 'base64');
      ct[40] = (ct[40] ?? 0) ^ 1;
      e.ciphertext = ct.toString('base64');
    });
    await expect(decryptEncryptedKeyFile(pem, '123')).rejects.toMatchObject({ code: 'WRONG_PASSWORD' });
  });
});

describe('writing cosign encrypted key files', () => {
  it('writes the exact layout cosign generate-key-pair writes, and reads it back', async () => {
    const files = await generateCosignKeyPair('s3cret');
    const pem = files.privateKeyPem;
    expect(Buffer.byteLength(pem)).toBe(653);
    const lines = pem.split('\n');
    expect(lines[0]).toBe('-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----');
    expect(lines.slice(1, 9).every((l) => l.length === 64)).toBe(true);
    expect(lines[9]).toHaveLength(40);
    expect(lines[10]).toBe('-----END ENCRYPTED SIGSTORE PRIVATE KEY-----');
    expect(lines[11]).toBe('');
    expect(lines).toHaveLength(12);

    const json = Buffer.from(lines.slice(1, 10).join(''), 'base64').toString('utf8');
    expect(json).toMatch(
      /^\{"kdf":\{"name":"scrypt","params":\{"N":65536,"r":8,"p":1\},"salt":"[A-Za-z0-9+/=]{44}"\},"cipher":\{"name":"nacl\/secretbox","nonce":"[A-Za-z0-9+/=]{32}"\},"ciphertext":"[A-Za-z0-9+/=]{208}"\}$/,
    );
    expect(Buffer.byteLength(files.publicKeyPem)).toBe(178);

    const key = await decryptPrivateKey(pem, 's3cret');
    expect(publicKeyToPem(createPublicKey(key))).toBe(files.publicKeyPem);
  });

  it('writes the legacy label and N=32768 when asked, which older skopeo reads', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const der = privateKey.export({ type: 'pkcs8', format: 'der' });
    const pem = await encryptPrivateKey(der, 'pw', { pemType: 'ENCRYPTED COSIGN PRIVATE KEY', params: { N: 32768, r: 8, p: 1 } });
    expect(Buffer.byteLength(pem)).toBe(649);
    expect(parseEncryptedKeyFile(pem).params.N).toBe(32768);
    expect(await decryptEncryptedKeyFile(pem, 'pw')).toEqual(der);
  });

  it('refuses to write with parameters readers would reject', async () => {
    await expect(encryptPrivateKey(Buffer.alloc(10), 'pw', { params: { N: 1024, r: 8, p: 1 } })).rejects.toMatchObject({
      code: 'UNSUPPORTED_KDF_PARAMS',
    });
  });
});
