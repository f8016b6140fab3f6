import { spawn } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot, runSignet, type CliResult } from '@signet/testing';

/** The real CLI with stdin closed (not a terminal) and only the env we give it. */
export function signet(args: string[], options: { cwd: string; password?: string; input?: string | Uint8Array }): Promise<CliResult> {
  return runSignet(args, {
    cwd: options.cwd,
    env: { HOME: process.env.HOME, ...(options.password !== undefined ? { COSIGN_PASSWORD: options.password } : {}) },
    ...(options.input !== undefined ? { input: options.input } : {}),
  });
}

export const tempDir = (): string => mkdtempSync(path.join(tmpdir(), 'signet-cli-'));
export const mode = (file: string): number => statSync(file).mode & 0o777;

const SIGNET_BIN = path.join(repoRoot(), 'apps/cli/bin/signet.js');
const CLI_ENV = { PATH: process.env.PATH, HOME: process.env.HOME, SIGNET_CLI_FROM_SOURCE: '1' };

/** Runs a command to its end; `onStdout` sees the output so far and may answer on stdin. */
function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: Record<string, string | undefined> },
  onStdout?: (soFar: string, stdin: NodeJS.WritableStream) => void,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env = { ...CLI_ENV, ...options.env };
    const child = spawn(command, args, { cwd: options.cwd, env, stdio: [onStdout ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (onStdout && child.stdin) onStdout(stdout, child.stdin);
    });
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      child.stdin?.destroy();
      resolve({ code, stdout, stderr });
    });
  });
}

/** The CLI with COSIGN_PASSWORD set to raw bytes, which a Node string cannot carry into an environment. */
export function signetWithEnvBytes(args: string[], options: { cwd: string; password: Buffer }): Promise<CliResult> {
  const octal = [...options.password].map((b) => `\\${b.toString(8).padStart(3, '0')}`).join('');
  const script = 'COSIGN_PASSWORD="$(printf "$1")"; export COSIGN_PASSWORD; shift; exec "$@"';
  return run('bash', ['-c', script, 'bash', octal, process.execPath, SIGNET_BIN, ...args], options);
}

/**
 * The CLI on a real terminal (a pty from util-linux `script`), typing `answers` in turn, each once its
 * prompt (a password prompt unless `prompt` says otherwise) has appeared. The terminal's output (prompts,
 * stdout and stderr together) is `stdout`.
 */
export function signetOnTerminal(
  args: string[],
  options: { cwd: string; answers: Buffer[]; prompt?: string; env?: Record<string, string | undefined> },
): Promise<CliResult> {
  const quoted = [process.execPath, SIGNET_BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const pending = [...options.answers];
  const prompt = options.prompt ?? 'Enter password for private key';
  return run('script', ['-qfec', quoted, '/dev/null'], options, (soFar, stdin) => {
    const prompts = soFar.split(prompt).length - 1;
    while (pending.length > options.answers.length - prompts) stdin.write(pending.shift()!);
  });
}
