import { createPublicKey, generateKeyPairSync, sign as nodeSign, type KeyObject } from 'node:crypto';
import { digestOf, SIGNATURE_ANNOTATION } from '@signet/oci';
import { encodePem } from '../src/pem';
import {
  loadPublicKeys,
  parsePublicKeyPem,
  PublicKeySet,
  signBytes,
  verifyBase64Signature,
  verifySignatureLayer,
  verifySignatureLayers,
  type SignatureLayer,
} from '../src';
import { fixturePath, readDiskSignature, readFixture, readFixtureText, readShared } from './fixtures';

const CI = 'containers-image';
const key = (name: string): KeyObject => parsePublicKeyPem(readFixtureText(`${CI}/${name}`));
const layer = (file: string): SignatureLayer => {
  const sig = readDiskSignature(`${CI}/${file}`);
  return { payload: sig.payload, signature: sig.annotations[SIGNATURE_ANNOTATION] ?? '', mediaType: sig.mediaType };
};
const manifestDigest = (file: string): string => digestOf(readFixture(`${CI}/${file}`));
const VALID_MANIFEST = 'dir-img-cosign-valid.manifest.json';
const REKOR_MANIFEST = 'dir-img-cosign-key-rekor-valid.manifest.json';

describe('the containers/image fixture table', () => {
  it('computes the manifest digests the README names', () => {
    expect(manifestDigest(VALID_MANIFEST)).toBe('sha256:634a8f35b5f16dcf4aaa0822adc0b1964bb786fca12f6831de8ddc45e5986a00');
    expect(manifestDigest(REKOR_MANIFEST)).toBe('sha256:0489474da8ea22426ece86ace6c1c0026ab2fd3cdfbbd62b7e94650266c37d9a');
  });

  it.each([
    ['dir-img-cosign-valid.signature-1', 'cosign.pub', VALID_MANIFEST, 'ok'],
    ['dir-img-cosign-valid.signature-1', 'cosign2.pub', VALID_MANIFEST, 'SIGNATURE_MISMATCH'],
    ['dir-img-cosign-valid-2.signature-2', 'cosign.pub', VALID_MANIFEST, 'ok'],
    ['dir-img-cosign-valid-with-tag.signature-1', 'cosign.pub', VALID_MANIFEST, 'ok'],
    ['dir-img-cosign-key-rekor-valid.signature-1', 'cosign2.pub', REKOR_MANIFEST, 'ok'],
    ['dir-img-cosign-key-rekor-valid.signature-1', 'cosign.pub', REKOR_MANIFEST, 'SIGNATURE_MISMATCH'],
    ['dir-img-cosign-valid.signature-1', 'cosign.pub', 'dir-img-cosign-modified-manifest.manifest.json', 'DIGEST_MISMATCH'],
    ['dir-img-cosign-other-attachment.signature-1', 'cosign.pub', VALID_MANIFEST, 'NOT_A_SIGNATURE'],
    ['unknown-cosign-key.signature', 'cosign.pub', VALID_MANIFEST, 'SIGNATURE_MISMATCH'],
    ['unknown-cosign-key.signature', 'cosign2.pub', VALID_MANIFEST, 'SIGNATURE_MISMATCH'],
  ])('%s with %s against %s: %s', (sig, pub, manifest, expected) => {
    const result = verifySignatureLayer(layer(sig), { keys: [key(pub)], expectedDigest: manifestDigest(manifest) });
    expect(result.ok ? 'ok' : result.code).toBe(expected);
  });

  it('does not verify the other-attachment signature even when its media type is ignored', () => {
    const { payload, signature } = layer('dir-img-cosign-other-attachment.signature-1');
    expect(verifyBase64Signature(key('cosign.pub'), payload, signature)).toBe(false);
  });

  it('verifies against a key set during rotation and names the key that matched', async () => {
    const keys = await loadPublicKeys([fixturePath(`${CI}/cosign2.pub`), fixturePath(`${CI}/cosign.pub`)]);
    const result = verifySignatureLayers(
      [layer('dir-img-cosign-other-attachment.signature-1'), layer('dir-img-cosign-valid.signature-1')],
      { keys, expectedDigest: manifestDigest(VALID_MANIFEST) },
    );
    expect(result.ok && result.accepted.map((a) => a.signer.source)).toEqual([fixturePath(`${CI}/cosign.pub`)]);
  });

  it('reports the most telling failure when no layer passes', () => {
    const result = verifySignatureLayers([layer('unknown-cosign-key.signature'), layer('dir-img-cosign-valid.signature-1')], {
      keys: [key('cosign.pub')],
      expectedDigest: manifestDigest('dir-img-cosign-modified-manifest.manifest.json'),
    });
    expect(result).toMatchObject({ ok: false, code: 'DIGEST_MISMATCH' });
  });
});

describe('identity rules', () => {
  const digest = manifestDigest(VALID_MANIFEST);
  const check = (file: string, identity: Parameters<typeof verifySignatureLayer>[1]['identity']) => {
    const r = verifySignatureLayer(layer(file), { keys: [key('cosign.pub')], expectedDigest: digest, identity });
    return r.ok ? 'ok' : r.code;
  };

  it('accepts cosign tagless identities under matchRepository, also when the image is named with a tag', () => {
    expect(
      check('dir-img-cosign-valid.signature-1', {
        type: 'matchRepository',
        repository: '192.168.64.2:5000/cosign-signed-single-sample:v1',
      }),
    ).toBe('ok');
    expect(check('dir-img-cosign-valid.signature-1', { type: 'matchRepository', repository: '192.168.64.2:5000/other' })).toBe(
      'IDENTITY_MISMATCH',
    );
  });

  it('accepts the tagged skopeo identity under exact only for that tag', () => {
    expect(check('dir-img-cosign-valid-with-tag.signature-1', { type: 'exact', reference: '192.168.64.2:5000/skopeo-signed:tag' })).toBe(
      'ok',
    );
    expect(check('dir-img-cosign-valid-with-tag.signature-1', { type: 'exact', reference: '192.168.64.2:5000/skopeo-signed:other' })).toBe(
      'IDENTITY_MISMATCH',
    );
    expect(
      check('dir-img-cosign-valid.signature-1', { type: 'exact', reference: '192.168.64.2:5000/cosign-signed-single-sample:v1' }),
    ).toBe('IDENTITY_MISMATCH');
  });
});

describe('the upstream skopeo 1.9.3 capture', () => {
  it('verifies the .sig layer with the signer key and the payload digest', () => {
    const manifest = JSON.parse(readShared('harness/captured/skopeo-1.9.3-sig-manifest.json').toString()) as {
      layers: { mediaType: string; digest: string; annotations: Record<string, string> }[];
    };
    const desc = manifest.layers[0]!;
    const payload = readShared('harness/captured/skopeo-1.9.3-sig-payload.json');
    expect(digestOf(payload)).toBe(desc.digest);
    const keys = PublicKeySet.fromPems([
      { pem: readShared('harness/captured/skopeo-1.9.3-sig-signer.pub').toString(), source: 'skopeo signer' },
    ]);
    const result = verifySignatureLayer(
      { payload, signature: desc.annotations[SIGNATURE_ANNOTATION]!, mediaType: desc.mediaType },
      {
        keys,
        expectedDigest: 'sha256:174233bf6eec39e84c3b31c1c4685b8d061c6cc0b7ff55c29b3ea37a7c78f4d7',
        identity: { type: 'exact', reference: '127.0.0.1:17500/demo/app:3.0.0' },
      },
    );
    expect(result).toMatchObject({ ok: true, payload: { optional: { creator: 'containers/image 5.22.1' } } });
  });
});

describe('signature encodings and key types', () => {
  const data = Buffer.from('payload bytes');

  it('tolerates CR/LF inside the base64 signature and rejects other junk', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const b64 = signBytes(privateKey, data).toString('base64');
    expect(verifyBase64Signature(publicKey, data, `${b64.slice(0, 20)}\r\n${b64.slice(20)}\n`)).toBe(true);
    expect(verifyBase64Signature(publicKey, data, `${b64.slice(0, 20)} ${b64.slice(20)}`)).toBe(false);
  });

  it.each(['prime256v1', 'secp384r1', 'secp521r1'])('verifies ECDSA %s signatures in DER and raw r||s form', (curve) => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
    const der = signBytes(privateKey, data);
    const raw = nodeSign(curve === 'prime256v1' ? 'sha256' : curve === 'secp384r1' ? 'sha384' : 'sha512', data, {
      key: privateKey,
      dsaEncoding: 'ieee-p1363',
    });
    expect(verifyBase64Signature(publicKey, data, der.toString('base64'))).toBe(true);
    expect(verifyBase64Signature(publicKey, data, raw.toString('base64'))).toBe(true);
    expect(verifyBase64Signature(publicKey, Buffer.from('other'), der.toString('base64'))).toBe(false);
  });

  it('verifies RSA PKCS#1 v1.5 and PSS signatures', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pss = nodeSign('sha256', data, { key: privateKey, padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: 32 });
    expect(verifyBase64Signature(publicKey, data, signBytes(privateKey, data).toString('base64'))).toBe(true);
    expect(verifyBase64Signature(publicKey, data, pss.toString('base64'))).toBe(true);
    expect(verifyBase64Signature(publicKey, Buffer.from('x'), pss.toString('base64'))).toBe(false);
  });

  it('signs Ed25519 keys with Ed25519ph as cosign does and still accepts pure Ed25519', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const ph = signBytes(privateKey, data);
    expect(verifyBase64Signature(publicKey, data, ph.toString('base64'))).toBe(true);
    expect(verifyBase64Signature(publicKey, data, nodeSign(null, data, privateKey).toString('base64'))).toBe(true);
    expect(verifyBase64Signature(publicKey, Buffer.from('x'), ph.toString('base64'))).toBe(false);
  });
});

describe('public key encodings Go reads and OpenSSL reads beyond', () => {
  const P256_SPKI_PREFIX = Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex');
  const COMPRESSED_PREFIX = Buffer.from('3039301306072a8648ce3d020106082a8648ce3d030107032200', 'hex');
  const cosignPub = readFixtureText(`${CI}/cosign.pub`);
  const der = parsePublicKeyPem(cosignPub).export({ type: 'spki', format: 'der' });
  const point = der.subarray(P256_SPKI_PREFIX.length);
  const yOdd = (point[64] ?? 0) & 1;
  const variants: Array<[string, Buffer]> = [
    ['hybrid (06/07) point', Buffer.concat([P256_SPKI_PREFIX, Buffer.from([6 + yOdd]), point.subarray(1)])],
    ['compressed (02/03) point', Buffer.concat([COMPRESSED_PREFIX, Buffer.from([2 + yOdd]), point.subarray(1, 33)])],
  ];

  it('reads the fixture key as exactly its uncompressed 91-byte SPKI', () => {
    expect(der.subarray(0, P256_SPKI_PREFIX.length)).toEqual(P256_SPKI_PREFIX);
    expect(der).toHaveLength(91);
    expect(point[0]).toBe(4);
  });

  it.each(variants)('refuses the same key as a %s, which OpenSSL alone accepts', (_name, variant) => {
    // OpenSSL takes it as the very same point, so only the encoding check stands between it and a verification.
    const openssl = createPublicKey({ key: variant, format: 'der', type: 'spki' });
    expect(openssl.export({ format: 'jwk' })).toEqual(parsePublicKeyPem(cosignPub).export({ format: 'jwk' }));
    expect(() => parsePublicKeyPem(encodePem('PUBLIC KEY', variant))).toThrow(expect.objectContaining({ code: 'MALFORMED_KEY_FILE' }));
  });
});
