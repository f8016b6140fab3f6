import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './paths';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real `signet` CLI (from source) with stdin closed (not a terminal), or a pipe carrying `input`,
 * and only the environment given plus PATH, so neither the machine's Docker config nor its variables leak in.
 */
export function runSignet(
  args: string[],
  opts: { env?: Record<string, string | undefined>; cwd?: string; input?: string | Uint8Array } = {},
): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, SIGNET_CLI_FROM_SOURCE: '1', ...opts.env };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot(), 'apps/cli/bin/signet.js'), ...args], {
      cwd: opts.cwd,
      env,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    child.stdin?.end(opts.input);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
