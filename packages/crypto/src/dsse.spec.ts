import { generateKeyPairSync } from 'node:crypto';
import { IN_TOTO_PAYLOAD_TYPE } from '@signet/oci';
import { dssePae, publicKeyToPem, PublicKeySet, signBytes, verifyDsseStatement } from './index';

const digest = 'sha256:' + 'ab'.repeat(32);
const statement = Buffer.from(
  JSON.stringify({
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: 'x', digest: { sha256: 'ab'.repeat(32) } }],
    predicateType: 'https://sigstore.dev/cosign/sign/v1',
    predicate: {},
  }),
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

  const statementWith = (fields: Record<string, unknown>) =>
    Buffer.from(
      JSON.stringify({
        _type: 'https://in-toto.io/Statement/v1',
        subject: [{ digest: { sha256: 'ab'.repeat(32) } }],
        predicateType: 'https://sigstore.dev/cosign/sign/v1',
        predicate: {},
        ...fields,
      }),
    );

  it('rejects an attestation (another predicate type) by a trusted key as not a signature', () => {
    for (const predicateType of ['https://slsa.dev/provenance/v1', 'https://cyclonedx.org/bom', undefined]) {
      expect(verifyDsseStatement(envelope(statementWith({ predicateType })), keys, digest)).toMatchObject({
        ok: false,
        code: 'NOT_A_SIGNATURE',
        signer: { source: 'k.pub' },
      });
    }
  });

  it('checks a named subject against the expected identities, as a simple-signing docker-reference', () => {
    const named = (name: unknown) => envelope(statementWith({ subject: [{ name, digest: { sha256: 'ab'.repeat(32) } }] }));
    const identities = ['reg.example:5000/team/app:1.0.0', 'reg.example:5000/team/app'];
    expect(verifyDsseStatement(named('reg.example:5000/team/app:1.0.0'), keys, digest, { identities }).ok).toBe(true);
    expect(verifyDsseStatement(named('reg.example:5000/team/app'), keys, digest, { identities }).ok).toBe(true);
    for (const other of [
      'reg.example:5000/team/other:1.0.0',
      'reg.example:5000/team/app:dev',
      'other.example/team/app',
      'not a reference',
      7,
    ]) {
      expect(verifyDsseStatement(named(other), keys, digest, { identities })).toMatchObject({ ok: false, code: 'IDENTITY_MISMATCH' });
    }
    // cosign v3 names no subject: the bundle binds the digest alone.
    expect(verifyDsseStatement(named(undefined), keys, digest, { identities }).ok).toBe(true);
    expect(verifyDsseStatement(named(''), keys, digest, { identities }).ok).toBe(true);
    // Without identities (cosign verify) names are not checked.
    expect(verifyDsseStatement(named('reg.example:5000/team/other'), keys, digest).ok).toBe(true);
  });

  it('accepts when one of several subjects for the digest carries the expected name', () => {
    const subject = [
      { name: 'reg.example/other', digest: { sha256: 'ab'.repeat(32) } },
      { name: 'reg.example/app', digest: { sha256: 'ab'.repeat(32) } },
    ];
    expect(verifyDsseStatement(envelope(statementWith({ subject })), keys, digest, { identities: ['reg.example/app'] }).ok).toBe(true);
  });
});
