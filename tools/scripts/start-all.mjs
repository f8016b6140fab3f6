// `npm start`: the receiver, signer and verifier from signet.yaml (SIGNET_CONFIG), each in its own process.
// Output lines are prefixed with the service name; SIGTERM/SIGINT stop all three gracefully.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const apps = ['webhook-receiver', 'signer', 'verifier'];
const children = apps.map((app) => {
  // Own process group: a Ctrl-C in the terminal reaches only this script, which passes one SIGTERM on.
  const child = spawn(process.execPath, ['--import', 'tsx', `apps/${app}/src/main.ts`], { stdio: ['ignore', 'pipe', 'pipe'], env: process.env, detached: true });
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
