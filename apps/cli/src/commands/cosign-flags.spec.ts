import { Command } from 'commander';
import { pflagBooleans } from './cosign-flags';

const program = new Command('signet');
program
  .command('verify')
  .option('--check-claims', '', true)
  .option('--no-check-claims')
  .option('--allow-insecure-registry', '', false)
  .option('--key <path>')
  .argument('<image>');

const rewrite = (...args: string[]) => pflagBooleans(program, ['node', 'signet', ...args]).slice(2);

describe('pflagBooleans', () => {
  it("rewrites cosign's --flag=bool spellings of the running command's switches", () => {
    expect(rewrite('verify', '--check-claims=false', '--allow-insecure-registry=true', 'img')).toEqual([
      'verify',
      '--no-check-claims',
      '--allow-insecure-registry',
      'img',
    ]);
    expect(rewrite('verify', '--check-claims=T', '--allow-insecure-registry=0', 'img')).toEqual(['verify', '--check-claims', 'img']);
  });

  it('leaves value options, other commands and everything after -- alone', () => {
    expect(rewrite('verify', '--key=a=b', '--', '--check-claims=false')).toEqual(['verify', '--key=a=b', '--', '--check-claims=false']);
    expect(rewrite('sign', '--check-claims=false')).toEqual(['sign', '--check-claims=false']);
  });

  it('refuses a value that is not a boolean as a usage error', () => {
    expect(() => rewrite('verify', '--check-claims=maybe')).toThrow(
      expect.objectContaining({ exitCode: 2, message: expect.stringContaining('true or false') }),
    );
  });
});
