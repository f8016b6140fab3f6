import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { freePort, makeTempDir, removeDir } from '@signet/testing';
import { infra, listFiles, rel, root } from './support';

const APPS = ['webhook-receiver', 'signer', 'verifier', 'admission'];
const dockerfile = () => readFileSync(join(infra, 'docker/Dockerfile'), 'utf8');

describe('the Signet image', () => {
  it('bundles every app the entrypoint can start, and runs as a non-root user with a HEALTHCHECK', () => {
    const text = dockerfile();
    for (const app of APPS) expect(text).toContain(`node tools/build.mjs apps/${app}`);
    expect(text).toMatch(/^FROM \$\{NODE_IMAGE\} AS runtime$/m);
    // Node 24 LTS: Node 20 reached its end of life on 2026-04-30.
    expect(text).toMatch(/^ARG NODE_IMAGE=node:24-bookworm-slim$/m);
    expect(text).toMatch(/npm ci --omit=dev/);
    const user = /^USER (\S+)$/m.exec(text)?.[1] ?? '';
    expect(user.split(':')[0]).toMatch(/^[1-9]\d*$/);
    expect(text).toMatch(/^HEALTHCHECK .*healthcheck\.js/m);
  });

  it('bundles (the services and the CLI) resolve at runtime with production dependencies only', () => {
    // Every package a bundle requires must be in `dependencies` (the image installs with --omit=dev).
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const out = execFileSync(
      process.execPath,
      [
        '-e',
        `const esbuild = require('esbuild');
       Promise.all(${JSON.stringify([...APPS, 'cli'])}.map((app) => esbuild.build({ entryPoints: ['apps/' + app + '/src/main.ts'], bundle: true,
         platform: 'node', format: 'cjs', write: false, metafile: true, packages: 'external', tsconfig: 'tsconfig.base.json', logLevel: 'silent' })))
       .then((rs) => console.log(JSON.stringify([...new Set(rs.flatMap((r) => Object.values(r.metafile.inputs)
         .flatMap((i) => i.imports.filter((x) => x.external).map((x) => x.path))))])));`,
      ],
      { cwd: root, encoding: 'utf8' },
    );
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
    const check = (port: number, app = 'signer') =>
      new Promise<number | null>((resolve) => {
        // The receiver's PORT is its webhook port: its check must go to OPS_PORT instead.
        const env =
          app === 'webhook-receiver' ? { PORT: '1', OPS_PORT: String(port), SIGNET_APP: app } : { PORT: String(port), SIGNET_APP: app };
        const child = spawn(process.execPath, [join(infra, 'docker/healthcheck.js')], { env, stdio: 'ignore' });
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

    it('checks the receiver on its ops port (OPS_PORT), not on its webhook port', async () => {
      const port = (server.address() as AddressInfo).port;
      status = 200;
      expect(await check(port, 'webhook-receiver')).toBe(0);
      status = 503;
      expect(await check(port, 'webhook-receiver')).toBe(1);
    });
  });
});

/** Docker's .dockerignore semantics: a path is left out when it or a folder above it matches (`!` re-includes). */
function dockerignore(): (path: string) => boolean {
  const rules = readFileSync(join(root, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const pattern = (negate ? l.slice(1) : l).replace(/^\//, '');
      const source = pattern
        .split('')
        .map((c, i, all) => {
          if (c === '*' && all[i + 1] === '*') return '';
          if (c === '*' && all[i - 1] === '*') return all[i + 1] === '/' ? '(?:.*/)?' : '.*';
          if (c === '/' && all[i - 1] === '*' && all[i - 2] === '*') return '';
          if (c === '*') return '[^/]*';
          if (c === '?') return '[^/]';
          return c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
        })
        .join('');
      return { negate, re: new RegExp(`^${source}$`) };
    });
  return (path) => {
    const parts = path.split('/');
    const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    let excluded = false;
    for (const rule of rules) if (prefixes.some((p) => rule.re.test(p))) excluded = !rule.negate;
    return excluded;
  };
}

describe('the image build', () => {
  const text = dockerfile();
  const stage = (name: string) => text.slice(text.search(new RegExp(`^FROM .* AS ${name}$`, 'm'))).split(/^FROM /m)[1] ?? '';

  it('keeps keys, PEM files and .env files at any depth out of the build context, and the sources in', () => {
    const excluded = dockerignore();
    const secrets = [
      'infra/compose/keys/cosign.key',
      'cosign.key',
      'a/b/c/tls.pem',
      'server.pem',
      'apps/signer/.env',
      '.env',
      '.env.production',
      'deep/dir/.env.local',
      'infra/compose/registry/htpasswd',
    ];
    expect(secrets.filter((p) => !excluded(p))).toEqual([]);
    // Every such file in this checkout, too.
    const present = listFiles(root, /\.(key|pem|p12|pfx)$|^\.env(\..*)?$/)
      .map(rel)
      .filter((p) => !p.startsWith('.git/'));
    expect(present.filter((p) => !excluded(p))).toEqual([]);
    const sources = [
      'package.json',
      'package-lock.json',
      'tsconfig.base.json',
      'tools/build.mjs',
      'apps/cli/src/main.ts',
      'packages/queue/src/connection.ts',
      'infra/docker/entrypoint.sh',
      'infra/docker/signet.sh',
      'signet.example.yaml',
    ];
    expect(sources.filter(excluded)).toEqual([]);
    // Everything the Dockerfile copies from the context is in it.
    const copied = [...text.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) =>
      (m[1] as string).split(/\s+/).filter((p) => !p.startsWith('--')),
    );
    expect(copied.length).toBeGreaterThan(10);
    expect(copied.map((p) => p.replace(/\/$/, '')).filter(excluded)).toEqual([]);
  });

  it('installs dependencies from the manifests of every workspace before it copies any source', () => {
    const manifests = stage('manifests');
    const workspaces = ['apps', 'packages'].flatMap((dir) => readdirSync(join(root, dir)).map((name) => `${dir}/${name}/package.json`));
    // COPY --parents keeps each source's path, so the glob `apps/*/package.json` copies every app's manifest.
    expect(dockerfile()).toMatch(/^# syntax=docker\/dockerfile:1\.(2\d|[3-9]\d)\n/);
    const sources = [...manifests.matchAll(/^COPY --parents (\S+(?: \S+)*) \.\/$/gm)].flatMap((m) => (m[1] as string).split(' '));
    expect(sources.sort()).toEqual(['apps/*/package.json', 'package-lock.json', 'package.json', 'packages/*/package.json']);
    const copied = sources.flatMap((source) => {
      const [dir, star, file] = source.split('/');
      if (star !== '*') return existsSync(join(root, source)) ? [source] : [];
      return readdirSync(join(root, dir!))
        .filter((name) => existsSync(join(root, dir!, name, file!)))
        .map((name) => `${dir}/${name}/${file}`);
    });
    expect(copied.sort()).toEqual(['package-lock.json', 'package.json', ...workspaces].sort());
    const build = stage('build');
    expect(build.indexOf('RUN npm ci')).toBeGreaterThan(-1);
    expect(build.indexOf('RUN npm ci')).toBeLessThan(build.indexOf('COPY packages/'));
    expect(stage('deps')).toMatch(/RUN npm ci --omit=dev/);
  });

  it('leaves tsx and the build tools out of the runtime image', () => {
    const runtime = stage('runtime');
    // node_modules come only from the production install.
    expect([...runtime.matchAll(/COPY --from=(\S+) (\S+)/g)].filter((m) => m[2]?.includes('node_modules')).map((m) => m[1])).toEqual([
      'deps',
    ]);
    const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean; devOptional?: boolean }>;
    };
    const removed = (tool: string) => new RegExp(`rm -rf [^\\n]*node_modules/${tool}( |$)`, 'm').test(stage('deps'));
    for (const tool of ['tsx', 'esbuild', 'typescript', 'jest', 'nx', '@swc/core', 'kubernetes-models']) {
      const entry = lock.packages[`node_modules/${tool}`];
      // `npm ci --omit=dev` leaves out dev-only packages; one that is also an optional peer of a runtime one
      // (devOptional) is installed anyway, so the deps stage deletes it.
      expect([tool, entry?.dev === true || (entry?.devOptional === true && removed(tool))]).toEqual([tool, true]);
    }
  });

  it('builds the PKCS#11 binding in the deps stage, whose build tools never reach the runtime image', () => {
    const deps = stage('deps');
    expect(deps).toMatch(/apt-get install -y --no-install-recommends python3 make g\+\+/);
    // Install scripts stay off for everything but pkcs11js, which package.json's allowScripts approves.
    expect(deps).toMatch(/npm ci --omit=dev --ignore-scripts[^\n]*\n && npm rebuild pkcs11js/);
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      allowScripts?: Record<string, boolean>;
      dependencies: Record<string, string>;
    };
    expect(pkg.allowScripts).toEqual({ pkcs11js: true });
    expect(pkg.dependencies.pkcs11js).toMatch(/^\d+\.\d+\.\d+$/);
    expect(stage('runtime')).not.toMatch(/apt-get|python3|g\+\+|node-gyp/);
  });

  it('carries the OCI labels, with the license the package declares', () => {
    const runtime = stage('runtime');
    const labels = Object.fromEntries([...runtime.matchAll(/(org\.opencontainers\.image\.[a-z.]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { license: string };
    expect(labels).toMatchObject({
      'org.opencontainers.image.title': 'signet',
      'org.opencontainers.image.licenses': pkg.license,
      'org.opencontainers.image.version': '${VERSION}',
      'org.opencontainers.image.revision': '${REVISION}',
      'org.opencontainers.image.created': '${CREATED}',
    });
    expect(labels['org.opencontainers.image.source']).toMatch(/^https:\/\//);
    expect(labels['org.opencontainers.image.base.name']).toContain('node:24-bookworm-slim');
  });

  it('puts the signet CLI on PATH, bundled like the services, so `kubectl exec deploy/verifier -- signet status` works', () => {
    expect(text).toContain('node tools/build.mjs apps/cli');
    expect(text).toMatch(/^COPY infra\/docker\/signet\.sh \/usr\/local\/bin\/signet$/m);
    // The wrapper runs the CLI bundle: bundle it (to a temporary folder) and run it through the wrapper.
    const dir = makeTempDir('cli-bundle');
    try {
      execFileSync(
        process.execPath,
        [
          '-e',
          `require('esbuild').buildSync({ entryPoints: ['apps/cli/src/main.ts'], bundle: true, platform: 'node', format: 'cjs',
           packages: 'external', tsconfig: 'tsconfig.base.json', outfile: ${JSON.stringify(join(dir, 'apps/cli/main.js'))}, logLevel: 'silent' })`,
        ],
        { cwd: root },
      );
      const wrapper = readFileSync(join(infra, 'docker/signet.sh'), 'utf8');
      expect(wrapper).toContain('/app/dist/apps/cli/main.js');
      writeFileSync(join(dir, 'signet'), wrapper.replace('/app/dist', dir));
      // node_modules resolve from the checkout, as they resolve from /app/node_modules in the image.
      writeFileSync(join(dir, 'package.json'), '{}');
      const run = spawnSync('sh', [join(dir, 'signet'), '--help'], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH, NODE_PATH: join(root, 'node_modules') },
      });
      expect(run.stderr).toBe('');
      expect(run.stdout).toMatch(/status/);
      expect(run.status).toBe(0);
    } finally {
      removeDir(dir);
    }
  });
});
