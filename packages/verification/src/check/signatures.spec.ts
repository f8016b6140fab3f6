import { generateKeyPairSync } from 'node:crypto';
import { buildPayload, publicKeyToPem, PublicKeySet, signBytes } from '@signet/crypto';
import { RepositoryKeys } from './repository-keys';
import { judgeSignatures } from './signatures';

const digest = 'sha256:' + 'ab'.repeat(32);
const image = { host: 'reg.example:5000', repository: 'team/app', tag: '1.0.0' };
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const keys = PublicKeySet.fromPems([{ pem: publicKeyToPem(publicKey), source: 'k.pub' }]);
const layer = (dockerReference = 'reg.example:5000/team/app:1.0.0') => {
  const payload = buildPayload({ dockerReference, manifestDigest: digest });
  return { payload, signature: signBytes(privateKey, payload).toString('base64') };
};
const tooLarge = { code: 'ARTIFACT_TOO_LARGE' as const, artifact: 'team/app:sha256-ab.sig layer sha256:cd', message: 'over the limit' };

describe('judgeSignatures', () => {
  it('calls a digest with nothing found unsigned, and one whose only artifacts were unreadable invalid', () => {
    expect(judgeSignatures({ layers: [], bundles: [] }, keys, digest, image)).toEqual({ kind: 'none' });
    expect(judgeSignatures({ layers: [], bundles: [], rejected: [tooLarge] }, keys, digest, image)).toEqual({
      kind: 'invalid',
      code: 'ARTIFACT_TOO_LARGE',
    });
  });

  it('counts a valid layer whatever was rejected beside it', () => {
    expect(judgeSignatures({ layers: [layer()], bundles: [], rejected: [tooLarge] }, keys, digest, image)).toEqual({ kind: 'valid' });
  });

  it('says why a readable layer beside a rejected one failed', () => {
    expect(
      judgeSignatures({ layers: [layer('reg.example:5000/team/other:1.0.0')], bundles: [], rejected: [tooLarge] }, keys, digest, image),
    ).toEqual({
      kind: 'invalid',
      code: 'IDENTITY_MISMATCH',
    });
  });

  it('reports a signature by a revoked key as REVOKED_KEY, and only for this image', () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    const trusted = new RepositoryKeys(
      PublicKeySet.fromPems([
        { pem: publicKeyToPem(publicKey), source: 'k.pub' },
        { pem: publicKeyToPem(other), source: 'o.pub' },
      ]),
      [],
      keys,
    );
    const usable = trusted.for('local', 'team/app');
    expect(usable.keys.map((k) => k.source)).toEqual(['o.pub']);
    expect(judgeSignatures({ layers: [layer()], bundles: [] }, usable, digest, image, trusted.revoked)).toEqual({
      kind: 'invalid',
      code: 'REVOKED_KEY',
    });
    // Without the revoked set the same layer is a signature by an unknown key; for another image it is not the key's tag.
    expect(judgeSignatures({ layers: [layer()], bundles: [] }, usable, digest, image)).toEqual({
      kind: 'invalid',
      code: 'SIGNATURE_MISMATCH',
    });
    expect(
      judgeSignatures({ layers: [layer('reg.example:5000/team/other:1.0.0')], bundles: [] }, usable, digest, image, trusted.revoked),
    ).toEqual({
      kind: 'invalid',
      code: 'SIGNATURE_MISMATCH',
    });
  });
});
