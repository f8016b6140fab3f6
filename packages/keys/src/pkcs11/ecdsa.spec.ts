import { generateKeyPairSync, sign, verify } from 'node:crypto';
import fc from 'fast-check';
import { ecdsaRawToDer, p256PublicKeyFromEcPoint, P256_EC_PARAMS } from './ecdsa';

describe('ecdsaRawToDer', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

  it('turns any r || s signature into the DER that verifies (Go ecdsa.VerifyASN1 reads the same form)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (message) => {
        const raw = sign('sha256', message, { key: privateKey, dsaEncoding: 'ieee-p1363' });
        expect(verify('sha256', message, publicKey, ecdsaRawToDer(raw))).toBe(true);
      }),
      { numRuns: 50 },
    );
  });

  it('writes minimal INTEGERs: leading zeros dropped, a 0x00 before a set top bit', () => {
    const r = Buffer.alloc(32);
    r[31] = 0x01;
    const s = Buffer.alloc(32, 0xff);
    expect(ecdsaRawToDer(Buffer.concat([r, s])).toString('hex')).toBe(`3026020101022100${'ff'.repeat(32)}`);
  });

  it('refuses an odd-length input', () => {
    expect(() => ecdsaRawToDer(Buffer.alloc(63))).toThrow(/even, non-zero length/);
  });
});

describe('p256PublicKeyFromEcPoint', () => {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const point = Buffer.from(publicKey.export({ format: 'der', type: 'spki' }).subarray(-65));

  it('reads the DER OCTET STRING PKCS#11 specifies and the bare point some modules give', () => {
    const wrapped = Buffer.concat([Buffer.from([0x04, 0x41]), point]);
    for (const form of [wrapped, point]) {
      expect(p256PublicKeyFromEcPoint(P256_EC_PARAMS, form).export({ format: 'pem', type: 'spki' })).toBe(
        publicKey.export({ format: 'pem', type: 'spki' }),
      );
    }
  });

  it('refuses other curves and points off the curve', () => {
    const p384 = Buffer.from('06052b81040022', 'hex');
    expect(() => p256PublicKeyFromEcPoint(p384, point)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_KEY_TYPE' }));
    const off = Buffer.from(point);
    off[64] = (off[64] as number) ^ 1;
    expect(() => p256PublicKeyFromEcPoint(P256_EC_PARAMS, off)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_KEY_TYPE' }));
  });
});
