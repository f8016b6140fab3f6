// `npm start`: the receiver, signer and verifier from signet.yaml (SIGNET_CONFIG), each in its own process, and
// the admission webhook when the file has an `admission:` section.
// Output lines are prefixed with the service name; SIGTERM/SIGINT stop them all gracefully.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parse } from 'yaml';

const configPath = process.env.SIGNET_CONFIG ?? 'signet.yaml';
// The services validate the file themselves; this only asks whether the admission webhook is wanted.
const wantsAdmission = existsSync(configPath) && Boolean(parse(readFileSync(configPath, 'utf8'))?.admission);
const apps = ['webhook-receiver', 'signer', 'verifier', ...(wantsAdmission ? ['admission'] : [])];
const children = apps.map((app) => {
  // Own process group: a Ctrl-C in the terminal reaches only this script, which passes one SIGTERM on.
  const child = spawn(process.execPath, ['--import', 'tsx', `apps/${app}/src/main.ts`], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: process.env,
    detached: true,
  });
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => process.stdout.write(`${app.padEnd(16)} | ${line}\n`));
  }
  child.on('exit', (code, signal) => {
    process.stdout.write(`${app.padEnd(16)} | exited (${signal ?? code})\n`);
    if (!stopping) stop(code ?? 1);
  });
  return child;
});

let stopping = false;
function stop(code = 0) {
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  let left = children.filter((c) => c.exitCode === null).length;
  if (left === 0) process.exit(code);
  for (const c of children) c.once('exit', () => --left === 0 && process.exit(code));
}
process.on('SIGTERM', () => stop(0));
process.on('SIGINT', () => stop(0));
