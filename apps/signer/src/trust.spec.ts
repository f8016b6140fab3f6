import { globToRegExp, TrustPolicy } from './trust';

const matches = (glob: string, name: string) => globToRegExp(glob).test(name);

describe('repository globs', () => {
  it('lets * match exactly one path segment', () => {
    expect(matches('team/*', 'team/app')).toBe(true);
    expect(matches('team/*', 'team/app/sub')).toBe(false);
    expect(matches('team/*', 'team')).toBe(false);
    expect(matches('team/*', 'other/app')).toBe(false);
    expect(matches('team/app-*', 'team/app-web')).toBe(true);
  });

  it('lets ** match any depth, and on its own every repository', () => {
    expect(matches('**', 'a')).toBe(true);
    expect(matches('**', 'a/b/c')).toBe(true);
    expect(matches('team/**', 'team/app/sub')).toBe(true);
    expect(matches('team/**', 'team')).toBe(true);
    expect(matches('team/**', 'teamx/app')).toBe(false);
    expect(matches('**/app', 'a/b/app')).toBe(true);
    expect(matches('**/app', 'app')).toBe(true);
    expect(matches('**/app', 'a/b/apps')).toBe(false);
  });

  it('treats regex characters literally', () => {
    expect(matches('team/a.b', 'team/a.b')).toBe(true);
    expect(matches('team/a.b', 'team/axb')).toBe(false);
    expect(matches('team/(x)', 'team/(x)')).toBe(true);
  });
});

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
