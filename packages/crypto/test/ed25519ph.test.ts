import { signEd25519ph, verifyEd25519ph } from '../src/ed25519ph';

// RFC 8032 §7.3, test vector "TEST abc" for Ed25519ph.
const SEED = Buffer.from('833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42', 'hex');
const PUBLIC = Buffer.from('ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf', 'hex');
const SIGNATURE = Buffer.from(
  '98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae4131f85042463c2a355a2003d062adf5aaa10b8c61e636062aaad11c2a26083406',
  'hex',
);

describe('Ed25519ph', () => {
  it('produces the RFC 8032 test vector signature', () => {
    expect(signEd25519ph(SEED, Buffer.from('abc')).equals(SIGNATURE)).toBe(true);
  });

  it('verifies the RFC 8032 vector and rejects a changed message or a non-canonical S', () => {
    expect(verifyEd25519ph(PUBLIC, Buffer.from('abc'), SIGNATURE)).toBe(true);
    expect(verifyEd25519ph(PUBLIC, Buffer.from('abd'), SIGNATURE)).toBe(false);
    const highS = Buffer.from(SIGNATURE);
    highS[63] = 0xff;
    expect(verifyEd25519ph(PUBLIC, Buffer.from('abc'), highS)).toBe(false);
    expect(verifyEd25519ph(PUBLIC, Buffer.from('abc'), SIGNATURE.subarray(0, 63))).toBe(false);
  });
});
