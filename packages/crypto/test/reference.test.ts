import { cosignRepositoryName, identityMatches, parseReference } from '../src';

describe('docker references', () => {
  it.each([
    ['alpine', { repository: 'docker.io/library/alpine' }],
    ['alpine:3', { repository: 'docker.io/library/alpine', tag: '3' }],
    ['index.docker.io/library/alpine', { repository: 'docker.io/library/alpine' }],
    ['docker.io/team/app:v1', { repository: 'docker.io/team/app', tag: 'v1' }],
    ['localhost:5000/app@sha256:' + 'a'.repeat(64), { repository: 'localhost:5000/app', digest: 'sha256:' + 'a'.repeat(64) }],
    ['192.168.64.2:5000/skopeo-signed:tag', { repository: '192.168.64.2:5000/skopeo-signed', tag: 'tag' }],
  ])('normalises %s', (input, expected) => {
    expect(parseReference(input)).toEqual(expected);
  });

  it.each(['', 'Upper/Case', 'host:5000/app:bad tag', 'app@notadigest'])('rejects %j', (input) => {
    expect(parseReference(input)).toBeUndefined();
  });

  it('spells repositories as cosign signs them', () => {
    expect(cosignRepositoryName('alpine:3')).toBe('index.docker.io/library/alpine');
    expect(cosignRepositoryName('docker.io/team/app@sha256:' + 'b'.repeat(64))).toBe('index.docker.io/team/app');
    expect(cosignRepositoryName('registry.example.com:8443/team/app:1.0')).toBe('registry.example.com:8443/team/app');
  });

  it('matches repositories across Docker Hub spellings and ignores tags only under matchRepository', () => {
    expect(identityMatches('index.docker.io/library/alpine', { type: 'matchRepository', repository: 'alpine:3' })).toBe(true);
    expect(identityMatches('index.docker.io/library/alpine', { type: 'exact', reference: 'alpine:3' })).toBe(false);
    expect(identityMatches('docker.io/library/alpine:3', { type: 'exact', reference: 'alpine:3' })).toBe(true);
    expect(identityMatches('not a reference', { type: 'ignore' })).toBe(true);
    expect(identityMatches('not a reference', { type: 'matchRepository', repository: 'alpine' })).toBe(false);
  });
});
