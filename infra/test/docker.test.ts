import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { freePort } from '@signet/testing';
import { infra, root } from './support';

const APPS = ['webhook-receiver', 'signer', 'verifier'];
const dockerfile = () => readFileSync(join(infra, 'docker/Dockerfile'), 'utf8');

describe('the Signet image', () => {
  it('bundles every app the entrypoint can start, and runs as a non-root user with a HEALTHCHECK', () => {
    const text = dockerfile();
    for (const app of APPS) expect(text).toContain(`node tools/build.mjs apps/${app}`);
    expect(text).toMatch(/^FROM \$\{NODE_IMAGE\} AS runtime$/m);
    expect(text).toMatch(/^ARG NODE_IMAGE=node:20-bookworm-slim$/m);
    expect(text).toMatch(/npm ci --omit=dev/);
    const user = /^USER (\S+)$/m.exec(text)?.[1] ?? '';
    expect(user.split(':')[0]).toMatch(/^[1-9]\d*$/);
    expect(text).toMatch(/^HEALTHCHECK .*healthcheck\.js/m);
  });

  it('bundles resolve at runtime with production dependencies only', () => {
    // Every package a bundle requires must be in `dependencies` (the image installs with --omit=dev).
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const out = execFileSync(process.execPath, [
      '-e',
      `const esbuild = require('esbuild');
       Promise.all(${JSON.stringify(APPS)}.map((app) => esbuild.build({ entryPoints: ['apps/' + app + '/src/main.ts'], bundle: true,
         platform: 'node', format: 'cjs', write: false, metafile: true, packages: 'external', tsconfig: 'tsconfig.base.json', logLevel: 'silent' })))
       .then((rs) => console.log(JSON.stringify([...new Set(rs.flatMap((r) => Object.values(r.metafile.inputs)
         .flatMap((i) => i.imports.filter((x) => x.external).map((x) => x.path))))])));`,
    ], { cwd: root, encoding: 'utf8' });
    const externals = (JSON.parse(out) as string[]).filter((p) => !p.startsWith('node:') && !p.startsWith('@signet/'));
    expect(externals.length).toBeGreaterThan(3);
    const packageOf = (spec: string) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] as string));
    expect(externals.map(packageOf).filter((p) => !(p in pkg.dependencies))).toEqual([]);
  });

  it('the entrypoint refuses an unknown app with a usage message', () => {
    const run = spawnSync('sh', [join(infra, 'docker/entrypoint.sh'), 'scanner'], { encoding: 'utf8', env: { PATH: process.env.PATH } });
    expect(run.status).toBe(64);
    expect(run.stderr).toContain('webhook-receiver, signer, verifier');
    const none = spawnSync('sh', [join(infra, 'docker/entrypoint.sh')], { encoding: 'utf8', env: { PATH: process.env.PATH } });
    expect(none.status).toBe(64);
  });

  describe('the healthcheck', () => {
    let server: Server;
    let status = 200;
    beforeAll(async () => {
      server = createServer((req, res) => res.writeHead(req.url === '/healthz' ? status : 404).end());
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    // Asynchronous: the server answering the check runs in this process.
    const check = (port: number) =>
      new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, [join(infra, 'docker/healthcheck.js')], { env: { PORT: String(port), SIGNET_APP: 'signer' }, stdio: 'ignore' });
        child.on('exit', (code) => resolve(code));
      });

    it('passes when /healthz answers 200 on PORT and fails otherwise', async () => {
      const port = (server.address() as AddressInfo).port;
      status = 200;
      expect(await check(port)).toBe(0);
      status = 503;
      expect(await check(port)).toBe(1);
      expect(await check(await freePort())).toBe(1);
    });
  });
});
