import { globToRegExp } from './glob';

/** Asserts that `glob` matches each of `matches` and none of `misses`. */
function expectGlob(glob: string, { matches = [], misses = [] }: { matches?: string[]; misses?: string[] }) {
  const pattern = globToRegExp(glob);
  expect({ glob, matched: [...matches, ...misses].filter((name) => pattern.test(name)) }).toEqual({ glob, matched: matches });
}

describe('repository globs', () => {
  it('lets * match exactly one path segment', () => {
    expectGlob('team/*', { matches: ['team/app'], misses: ['team/app/sub', 'team', 'other/app'] });
    expectGlob('team/app-*', { matches: ['team/app-web'] });
  });

  it('lets ** match any depth, and on its own every repository', () => {
    expectGlob('**', { matches: ['a', 'a/b/c'] });
    expectGlob('team/**', { matches: ['team/app/sub', 'team'], misses: ['teamx/app'] });
    expectGlob('**/app', { matches: ['a/b/app', 'app'], misses: ['a/b/apps'] });
  });

  it('treats regex characters literally', () => {
    expectGlob('team/a.b', { matches: ['team/a.b'], misses: ['team/axb'] });
    expectGlob('team/(x)', { matches: ['team/(x)'] });
  });
});
