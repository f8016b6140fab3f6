import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort, makeTempDir, ManagedProcess, waitFor } from './process';
import { repoRoot } from './paths';

export type SignetApp = 'webhook-receiver' | 'signer' | 'verifier';

export interface RunningService {
  app: SignetApp;
  /** Base URL of the app's HTTP port (the receiver's public webhook port; the workers' ops port). */
  url: string;
  /** Base URL of `/metrics`, `/healthz`, `/readyz`: the receiver's ops port, the workers' only port. */
  opsUrl: string;
  process: ManagedProcess;
  logFile: string;
  /** SIGTERM and wait (graceful shutdown). */
  stop(): Promise<void>;
  /** SIGKILL: the process dies mid-work. */
  kill(): Promise<void>;
}

/** Writes a config object as a YAML file in a temp dir and returns its path. */
export function writeConfigFile(config: unknown, dir = makeTempDir('config')): string {
  const path = join(dir, 'signet.yaml');
  writeFileSync(path, stringify(config));
  return path;
}

/**
 * Starts one Signet service as its own process (`node --import tsx apps/<app>/src/main.ts`), as `npm run start:*` does, and
 * waits until its `/readyz` answers 200.
 */
export async function startService(
  app: SignetApp,
  opts: { configFile: string; port: number; opsPort?: number; env?: NodeJS.ProcessEnv; readyTimeoutMs?: number },
): Promise<RunningService> {
  // The receiver serves only webhooks on PORT; its probes and metrics are on an ops port of their own.
  const opsPort = app === 'webhook-receiver' ? (opts.opsPort ?? (await freePort())) : opts.port;
  const root = repoRoot();
  const logFile = join(makeTempDir(app), `${app}.log`);
  // One process (node with tsx's loader), so a signal reaches the app itself, not a wrapper.
  const proc = ManagedProcess.start(process.execPath, ['--import', 'tsx', join(root, 'apps', app, 'src/main.ts')], {
    logFile,
    cwd: root,
    env: { ...process.env, ...opts.env, SIGNET_CONFIG: opts.configFile, PORT: String(opts.port), OPS_PORT: String(opsPort) },
  });
  const url = `http://127.0.0.1:${opts.port}`;
  const opsUrl = `http://127.0.0.1:${opsPort}`;
  await waitFor(
    async () => {
      if (!proc.running) throw new Error(`${app} exited early; log: ${logFile}`);
      return (await fetch(`${opsUrl}/readyz`)).status === 200;
    },
    opts.readyTimeoutMs ?? 30_000,
    `${app} ready (log ${logFile})`,
  );
  return { app, url, opsUrl, process: proc, logFile, stop: () => proc.stop('SIGTERM'), kill: () => proc.stop('SIGKILL') };
}

export interface ServiceExit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs one service's `main.ts` as its own process, as startService does, until it exits: for a start expected
 * to fail. Killed (and the test failed by its caller) after `timeoutMs`.
 */
export function runServiceToExit(
  app: SignetApp | 'admission',
  opts: { configFile: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<ServiceExit> {
  const root = repoRoot();
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'apps', app, 'src/main.ts')], {
    cwd: root,
    env: { ...process.env, ...opts.env, SIGNET_CONFIG: opts.configFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}
