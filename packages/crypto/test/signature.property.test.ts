import { createPublicKey, generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import fc from 'fast-check';
import { parsePublicKeyPem, publicKeyToPem, signingKeyFromPrivateKey, verifyBase64Signature } from '../src';

const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const signer = signingKeyFromPrivateKey(privateKey);
const flip = (bytes: Uint8Array, index: number, mask: number): Buffer => {
  const copy = Buffer.from(bytes);
  const i = index % copy.length;
  copy[i] = (copy[i] ?? 0) ^ mask;
  return copy;
};
const mask = fc.integer({ min: 1, max: 255 });
const sameJwkPoint = (a: JsonWebKey, b: JsonWebKey): boolean => a.kty === b.kty && a.crv === b.crv && a.x === b.x && a.y === b.y;

describe('ECDSA P-256 sign/verify properties', () => {
  it('verifies every signature it makes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), async (payload) => {
        const sig = await signer.sign(payload);
        return verifyBase64Signature(signer.publicKey, payload, sig);
      }),
      { numRuns: 150 },
    );
  });

  it('rejects the signature after any byte of the payload changes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 512 }), fc.nat(), mask, async (payload, i, m) => {
        const sig = await signer.sign(payload);
        return !verifyBase64Signature(signer.publicKey, flip(payload, i, m), sig);
      }),
      { numRuns: 150 },
    );
  });

  it('rejects a signature with any byte changed', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 512 }), fc.nat(), mask, async (payload, i, m) => {
        const sig = Buffer.from(await signer.sign(payload), 'base64');
        return !verifyBase64Signature(signer.publicKey, payload, flip(sig, i, m).toString('base64'));
      }),
      { numRuns: 150 },
    );
  });

  it('rejects verification under a public key with any byte changed, unless it still encodes the same key', async () => {
    const payload = Buffer.from('fixed payload');
    const sig = await signer.sign(payload);
    const spki = signer.publicKey.export({ type: 'spki', format: 'der' });
    const jwk = signer.publicKey.export({ format: 'jwk' });
    fc.assert(
      fc.property(fc.nat(), mask, (i, m) => {
        let tampered;
        try {
          tampered = createPublicKey({ key: flip(spki, i, m), format: 'der', type: 'spki' });
        } catch {
          return true; // an unparseable key cannot verify anything
        }
        // OpenSSL reads some changed encodings as the very same point (a BIT STRING's unused-bits count, the
        // hybrid point form 0x06/0x07, which it keeps on export): that is the same key, and it must still verify.
        // Any other key must not. The point is compared as coordinates, not as its encoding.
        const sameKey = sameJwkPoint(tampered.export({ format: 'jwk' }), jwk);
        return verifyBase64Signature(tampered, payload, sig) === sameKey;
      }),
      { numRuns: 150 },
    );
  });

  it('round-trips the public key through its PEM', () => {
    expect(publicKeyToPem(parsePublicKeyPem(signer.publicKeyPem))).toBe(signer.publicKeyPem);
  });
});
