import { generateKeyPairSync } from 'node:crypto';
import { dssePae, publicKeyToPem, PublicKeySet, signBytes, verifyDsseStatement, IN_TOTO_PAYLOAD_TYPE } from './index';

const digest = 'sha256:' + 'ab'.repeat(32);
const statement = Buffer.from(
  JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'x', digest: { sha256: 'ab'.repeat(32) } }], predicateType: 'https://sigstore.dev/cosign/sign/v1', predicate: {} }),
);

describe('DSSE statements', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keys = PublicKeySet.fromPems([{ pem: publicKeyToPem(publicKey), source: 'k.pub' }]);
  const envelope = (payload = statement, signed = payload) => ({
    payloadType: IN_TOTO_PAYLOAD_TYPE,
    payload,
    signatures: [{ sig: signBytes(privateKey, dssePae(IN_TOTO_PAYLOAD_TYPE, signed)).toString('base64') }],
  });

  it('encodes the PAE with byte lengths', () => {
    expect(dssePae('t', Buffer.from('héllo')).toString()).toBe('DSSEv1 1 t 6 héllo');
  });

  it('accepts a statement signed over the PAE that names the digest', () => {
    const r = verifyDsseStatement(envelope(), keys, digest);
    expect(r.ok && r.signer.source).toBe('k.pub');
  });

  it('rejects another digest, a tampered payload and an unknown key', () => {
    expect(verifyDsseStatement(envelope(), keys, 'sha256:' + 'cd'.repeat(32))).toMatchObject({ ok: false, code: 'DIGEST_MISMATCH' });
    const tampered = Buffer.from(statement.toString().replace('predicate":{}', 'predicate":{"x":1}'));
    expect(verifyDsseStatement(envelope(tampered, statement), keys, digest)).toMatchObject({ ok: false, code: 'SIGNATURE_MISMATCH' });
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const otherKeys = PublicKeySet.fromPems([{ pem: publicKeyToPem(other.publicKey), source: 'o.pub' }]);
    expect(verifyDsseStatement(envelope(), otherKeys, digest)).toMatchObject({ ok: false, code: 'SIGNATURE_MISMATCH' });
  });
});
