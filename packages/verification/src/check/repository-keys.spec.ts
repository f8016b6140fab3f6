import { generateKeyPairSync } from 'node:crypto';
import { PublicKeySet } from '@signet/crypto';
import { RepositoryKeys } from './repository-keys';

const keySet = () => PublicKeySet.fromKeyObjects([generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey]);

describe('RepositoryKeys', () => {
  const defaults = keySet();
  const teamA = keySet();
  const hubOnly = keySet();
  const keys = new RepositoryKeys(defaults, [
    { registry: 'hub', repositories: ['team-a/**'], keys: hubOnly },
    { repositories: ['team-a/*', 'shared/team-a-*'], keys: teamA },
  ]);

  it('picks the first rule whose registry and repository match', () => {
    expect(keys.for('hub', 'team-a/app')).toBe(hubOnly);
    expect(keys.for('local', 'team-a/app')).toBe(teamA);
    expect(keys.for('local', 'shared/team-a-tools')).toBe(teamA);
  });

  it('falls back to the default keys', () => {
    expect(keys.for('local', 'team-b/app')).toBe(defaults);
    expect(keys.for('local', 'team-a/app/nested')).toBe(defaults);
    expect(new RepositoryKeys(defaults).for('local', 'anything')).toBe(defaults);
  });

  it('lists every fingerprint once', () => {
    expect(keys.fingerprints().sort()).toEqual([defaults, teamA, hubOnly].map((s) => s.keys[0]!.fingerprint.short).sort());
  });
});
