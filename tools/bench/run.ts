/**
 * Runs the benchmarks one after another (they start their own Redis, registry and services, and each needs
 * the machine to itself), each as its own process, and ends with a summary of their headline lines.
 *   npm run bench [-- <name>...]      names: crypto registry receiver signer verifier tag-alerts admission (default: all)
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const ALL = ['crypto', 'registry', 'receiver', 'signer', 'verifier', 'tag-alerts', 'admission'];

function usage(): string {
  return `usage: npm run bench [-- <name>...]\n  names: ${ALL.join(' ')} (default: all)\n  Each prints JSON lines and a human-readable summary; a benchmark is not a test.`;
}

function runOne(name: string): Promise<{ code: number; lastLine: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(__dirname, '../../node_modules/tsx/dist/cli.mjs'), join(__dirname, name, 'bench.ts')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      out += chunk.toString();
    });
    child.on('close', (code) => {
      // The headline: the lines that compare against a baseline or target, else the last human line.
      const lines = out
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l !== '' && !l.startsWith('{'));
      const headline = lines.filter((l) => /target|ratio|×|\dx\b/.test(l));
      resolve({ code: code ?? 1, lastLine: (headline.length ? headline : lines.slice(-1)).join('\n' + ' '.repeat(10)) });
    });
  });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    console.log(usage());
    return;
  }
  const unknown = args.filter((a) => !ALL.includes(a));
  if (unknown.length) {
    console.error(`unknown benchmark: ${unknown.join(', ')}\n${usage()}`);
    process.exit(2);
  }
  const names = args.length ? args : ALL;
  const summary: string[] = [];
  let failed = 0;
  for (const [i, name] of names.entries()) {
    console.error(`[${i + 1}/${names.length}] ${name}`);
    const started = Date.now();
    const { code, lastLine } = await runOne(name);
    const secs = ((Date.now() - started) / 1000).toFixed(0);
    if (code !== 0) failed++;
    summary.push(`${name.padEnd(9)} ${code === 0 ? lastLine : `FAILED (exit ${code})`}  [${secs} s]`);
  }
  console.log(`\n${summary.join('\n')}`);
  if (failed) process.exit(1);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
