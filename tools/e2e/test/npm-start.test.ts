import { spawn } from 'node:child_process';
import { generateCosignKeyPair } from '@signet/crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, makeTempDir, removeDir, repoRoot, startRedis, waitFor, writeConfigFile } from '@signet/testing';

describe('npm start', () => {
  it('runs the receiver, signer and verifier from signet.yaml, each in its own process, and stops them on SIGTERM', async () => {
    const redis = await startRedis();
    const dir = makeTempDir('npm-start');
    const keys = await generateCosignKeyPair('pw');
    writeFileSync(join(dir, 'cosign.key'), keys.privateKeyPem);
    writeFileSync(join(dir, 'cosign.pub'), keys.publicKeyPem);
    const ports = { receiver: await freePort(), receiverOps: await freePort(), signer: await freePort(), verifier: await freePort() };
    // Where each service answers /readyz: the receiver on its ops port, the workers on their only one.
    const opsPorts = [ports.receiverOps, ports.signer, ports.verifier];
    const configFile = writeConfigFile(
      {
        redis: { url: redis.url },
        registries: [{ name: 'local', url: 'http://127.0.0.1:9' }],
        webhooks: [{ name: 'local', source: 'distribution', registry: 'local', auth: { type: 'bearer', tokenEnv: 'WEBHOOK_TOKEN' } }],
        receiver: { host: '127.0.0.1', port: ports.receiver, ops: { port: ports.receiverOps, host: '127.0.0.1' } },
        signer: { port: ports.signer, key: { path: join(dir, 'cosign.key'), passwordEnv: 'COSIGN_PASSWORD' } },
        verifier: { port: ports.verifier, keys: [join(dir, 'cosign.pub')], rescan: { every: '1h' } },
      },
      dir,
    );
    const child = spawn('npm', ['start', '--silent'], {
      cwd: repoRoot(),
      env: { ...process.env, SIGNET_CONFIG: configFile, WEBHOOK_TOKEN: 'hook-token-0123456789', COSIGN_PASSWORD: 'pw' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      for (const port of opsPorts) {
        await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200, 60_000, `service on ${port}\n${out}`);
      }
      // The receiver's webhook port serves webhooks only.
      expect((await fetch(`http://127.0.0.1:${ports.receiver}/readyz`)).status).toBe(404);
      // As a Ctrl-C does: the signal reaches npm and the start script, which passes one SIGTERM to each service.
      process.kill(-child.pid!, 'SIGTERM');
      await exited;
      const stopped = (app: string) => new RegExp(`${app}\\s+\\| .*"msg":"stopped"`).test(out);
      await waitFor(() => ['webhook-receiver', 'signer', 'verifier'].every(stopped), 30_000, `graceful stops\n${out}`);
      expect(out).not.toContain('second signal');
      for (const port of Object.values(ports)) await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    } finally {
      if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
      await redis.teardown();
      removeDir(dir);
    }
  });
});
