import { TrustPolicy } from './trust';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('TrustPolicy', () => {
  const policy = new TrustPolicy([
    { registry: 'local', repositories: ['team/*', 'shared/**'], actors: ['ci-bot', 'release-*'] },
    { registry: 'hub', repositories: ['**'], actors: ['hub-bot'] },
  ]);

  it('trusts a listed actor pushing a named digest to a matching repository of the rule registry', () => {
    expect(policy.judge({ registry: 'local', repository: 'team/app', actor: 'ci-bot', digest: DIGEST })).toBe('trusted');
    expect(policy.judge({ registry: 'local', repository: 'shared/x/y', actor: 'release-2', digest: DIGEST })).toBe('trusted');
    expect(policy.judge({ registry: 'hub', repository: 'anything/at/all', actor: 'hub-bot', digest: DIGEST })).toBe('trusted');
  });

  it('denies other actors, other repositories, other registries and pushes without an actor', () => {
    expect(policy.judge({ registry: 'local', repository: 'team/app', actor: 'mallory', digest: DIGEST })).toBe('untrusted');
    expect(policy.judge({ registry: 'local', repository: 'other/app', actor: 'ci-bot', digest: DIGEST })).toBe('untrusted');
    expect(policy.judge({ registry: 'hub', repository: 'team/app', actor: 'ci-bot', digest: DIGEST })).toBe('untrusted');
    expect(policy.judge({ registry: 'elsewhere', repository: 'team/app', actor: 'ci-bot', digest: DIGEST })).toBe('untrusted');
    expect(policy.judge({ registry: 'local', repository: 'team/app', digest: DIGEST })).toBe('untrusted');
    expect(policy.judge({ registry: 'local', repository: 'team/app', actor: '', digest: DIGEST })).toBe('untrusted');
  });

  it('denies everything without rules', () => {
    expect(new TrustPolicy([]).judge({ registry: 'local', repository: 'team/app', actor: 'ci-bot', digest: DIGEST })).toBe('untrusted');
  });

  it("calls a trusted actor's event that names no digest unverifiable unless a matching rule opts in", () => {
    expect(policy.judge({ registry: 'local', repository: 'team/app', actor: 'ci-bot' })).toBe('unverifiable');
    const optIn = new TrustPolicy([
      { registry: 'hub', repositories: ['team/*'], actors: ['ci-bot'] },
      { registry: 'hub', repositories: ['team/tagged'], actors: ['ci-bot'], signTagOnlyEvents: true },
    ]);
    expect(optIn.judge({ registry: 'hub', repository: 'team/tagged', actor: 'ci-bot' })).toBe('trusted');
    expect(optIn.judge({ registry: 'hub', repository: 'team/other', actor: 'ci-bot' })).toBe('unverifiable');
    // The opt-in widens nothing: an actor no rule trusts stays untrusted.
    expect(optIn.judge({ registry: 'hub', repository: 'team/tagged', actor: 'mallory' })).toBe('untrusted');
  });
});
