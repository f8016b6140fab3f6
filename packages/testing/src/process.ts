import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, openSync, closeSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Thrown when a binary a test needs is not installed; names the Debian package to install. */
export class MissingBinaryError extends Error {
  readonly code = 'MISSING_BINARY';
  constructor(binary: string, aptPackage: string) {
    super(`${binary} not found on PATH: install it with 'apt-get install -y ${aptPackage}'`);
  }
}

const found = new Map<string, boolean>();
/** Fails with the apt package's name when `binary` is not installed. */
export function requireBinary(binary: string, aptPackage: string): void {
  if (!found.has(binary)) {
    const r = spawnSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore' });
    found.set(binary, r.status === 0);
  }
  if (!found.get(binary)) throw new MissingBinaryError(binary, aptPackage);
}

/** A free TCP port on 127.0.0.1 (the OS picks it; a tiny race with other processes remains). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export function makeTempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `signet-${prefix}-`));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `check` until it returns true or `timeoutMs` passes. */
export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** A child process this test run started; `stop()` signals that pid only (TERM, then KILL after 5 s). */
export class ManagedProcess {
  private constructor(
    readonly child: ChildProcess,
    readonly logFile: string,
  ) {}

  static start(command: string, args: string[], opts: { logFile: string; env?: NodeJS.ProcessEnv; cwd?: string }): ManagedProcess {
    const fd = openSync(opts.logFile, 'a');
    const child = spawn(command, args, { stdio: ['ignore', fd, fd], env: opts.env ?? process.env, cwd: opts.cwd });
    closeSync(fd);
    live.add(child);
    child.once('exit', () => live.delete(child));
    return new ManagedProcess(child, opts.logFile);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (!this.running) return;
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

/** Removes a directory tree, ignoring errors (teardown must not fail a test). */
export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** start/stop/teardown of one restartable server process whose files live in `dir`. */
export interface Restartable {
  start(): Promise<void>;
  stop(): Promise<void>;
  teardown(): Promise<void>;
}

/**
 * Builds the lifecycle of a server that can be stopped and started again with the same files:
 * `launch` spawns it, `ready` says when it answers.
 */
export function restartable(opts: {
  dir: string;
  launch: () => ManagedProcess;
  ready: () => Promise<boolean>;
  timeoutMs: number;
  what: string;
}): Restartable {
  let proc: ManagedProcess | undefined;
  return {
    async start() {
      if (proc?.running) return;
      const p = opts.launch();
      proc = p;
      await waitFor(
        async () => {
          if (!p.running) throw new Error('exited');
          return opts.ready();
        },
        opts.timeoutMs,
        `${opts.what} (log ${p.logFile})`,
      );
    },
    async stop() {
      await proc?.stop();
    },
    async teardown() {
      await proc?.stop();
      removeDir(opts.dir);
    },
  };
}
