import { InvalidReferenceError } from '@signet/oci';
import { cosignRepositoryName, identityMatches } from '../src/identity';

describe('signature identities', () => {
  it('spells repositories as cosign signs them', () => {
    expect(cosignRepositoryName('alpine:3')).toBe('index.docker.io/library/alpine');
    expect(cosignRepositoryName('docker.io/team/app@sha256:' + 'b'.repeat(64))).toBe('index.docker.io/team/app');
    expect(cosignRepositoryName('registry.example.com:8443/team/app:1.0')).toBe('registry.example.com:8443/team/app');
  });

  it('refuses to name a malformed reference', () => {
    expect(() => cosignRepositoryName('Upper/Case')).toThrow(InvalidReferenceError);
  });

  it('matches repositories across Docker Hub spellings and ignores tags only under matchRepository', () => {
    expect(identityMatches('index.docker.io/library/alpine', { type: 'matchRepository', repository: 'alpine:3' })).toBe(true);
    expect(identityMatches('index.docker.io/library/alpine', { type: 'exact', reference: 'alpine:3' })).toBe(false);
    expect(identityMatches('docker.io/library/alpine:3', { type: 'exact', reference: 'alpine:3' })).toBe(true);
    expect(
      identityMatches('192.168.64.2:5000/skopeo-signed:tag', { type: 'exact', reference: '192.168.64.2:5000/skopeo-signed:tag' }),
    ).toBe(true);
    expect(identityMatches('not a reference', { type: 'ignore' })).toBe(true);
    expect(identityMatches('not a reference', { type: 'matchRepository', repository: 'alpine' })).toBe(false);
    expect(identityMatches('host:5000/app:bad tag', { type: 'exact', reference: 'host:5000/app:bad tag' })).toBe(false);
  });
});
