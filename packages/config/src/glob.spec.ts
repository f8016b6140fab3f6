import { globToRegExp } from './glob';

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
