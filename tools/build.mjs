// Builds one project into dist/<project>: apps become one bundled main.js (npm dependencies stay external,
// @signet/* packages are bundled in); packages become a bundled index.js.
import { build } from 'esbuild';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node tools/build.mjs <apps/x|packages/y>');
  process.exit(2);
}
const root = process.cwd();
const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const external = [...Object.keys(rootPkg.dependencies ?? {}), ...Object.keys(rootPkg.devDependencies ?? {})];
const entry = existsSync(join(dir, 'src/main.ts')) ? join(dir, 'src/main.ts') : join(dir, 'src/index.ts');
await build({
  entryPoints: [entry],
  outfile: join('dist', dir, entry.endsWith('main.ts') ? 'main.js' : 'index.js'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  // Class and function names are what an operator reads in the logs (pino's error `type`, stack frames). Bundling
  // renames a name two modules share (`sleep2`, `assertDigest2`); keepNames gives each back its own at run time.
  keepNames: true,
  external,
  tsconfig: 'tsconfig.base.json',
  logLevel: 'warning',
});
