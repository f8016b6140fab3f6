import { TrustPolicy } from './trust';

describe('TrustPolicy', () => {
  const policy = new TrustPolicy([
    { registry: 'local', repositories: ['team/*', 'shared/**'], actors: ['ci-bot', 'release-*'] },
    { registry: 'hub', repositories: ['**'], actors: ['hub-bot'] },
  ]);

  it('trusts a listed actor pushing to a matching repository of the rule registry', () => {
    expect(policy.isTrusted({ registry: 'local', repository: 'team/app', actor: 'ci-bot' })).toBe(true);
    expect(policy.isTrusted({ registry: 'local', repository: 'shared/x/y', actor: 'release-2' })).toBe(true);
    expect(policy.isTrusted({ registry: 'hub', repository: 'anything/at/all', actor: 'hub-bot' })).toBe(true);
  });

  it('denies other actors, other repositories, other registries and pushes without an actor', () => {
    expect(policy.isTrusted({ registry: 'local', repository: 'team/app', actor: 'mallory' })).toBe(false);
    expect(policy.isTrusted({ registry: 'local', repository: 'other/app', actor: 'ci-bot' })).toBe(false);
    expect(policy.isTrusted({ registry: 'hub', repository: 'team/app', actor: 'ci-bot' })).toBe(false);
    expect(policy.isTrusted({ registry: 'elsewhere', repository: 'team/app', actor: 'ci-bot' })).toBe(false);
    expect(policy.isTrusted({ registry: 'local', repository: 'team/app' })).toBe(false);
    expect(policy.isTrusted({ registry: 'local', repository: 'team/app', actor: '' })).toBe(false);
  });

  it('denies everything without rules', () => {
    expect(new TrustPolicy([]).isTrusted({ registry: 'local', repository: 'team/app', actor: 'ci-bot' })).toBe(false);
  });
});
