import { makeTempDir, runServiceToExit, watchRedisClients, withPortTaken, writeConfigFile } from '@signet/testing';
import { startVerifier } from '../src/service';
import { silentLogger, startEnv, type TestEnv } from './env';

let env: TestEnv;

beforeAll(async () => {
  env = await startEnv();
}, 60_000);
afterAll(async () => {
  await env.teardown();
});

describe('a verifier start that fails partway', () => {
  it('closes every Redis connection it opened when a trusted key file cannot be read', async () => {
    const clients = await watchRedisClients(env.redis.port);
    const config = env.config({ verifier: { keys: [`${env.dir}/missing.pub`] } });
    await expect(startVerifier(config, { logger: silentLogger, port: 0 })).rejects.toThrow(/missing\.pub/);
    expect(await clients.leftOpen()).toBe(0);
  });

  it('closes its workers, queues and connections when its ops port is taken', async () => {
    await withPortTaken('0.0.0.0', async (port) => {
      const clients = await watchRedisClients(env.redis.port);
      await expect(startVerifier(env.config(), { logger: silentLogger, port })).rejects.toThrow(/EADDRINUSE/);
      expect(await clients.leftOpen()).toBe(0);
    });
  });

  it('leaves no connection behind after a start and a close (the baseline the two above are held to)', async () => {
    const clients = await watchRedisClients(env.redis.port);
    const verifier = await startVerifier(env.config(), { logger: silentLogger, port: 0 });
    expect(await clients.opened()).toBeGreaterThan(0);
    await verifier.close();
    expect(await clients.leftOpen()).toBe(0);
  });
});

describe('main.ts when the verifier cannot start', () => {
  const doc = (verifier: Record<string, unknown>) => ({
    redis: { url: env.redis.url },
    registries: [{ name: 'local', url: env.registry.url }],
    verifier: { port: 0, ...verifier },
  });

  it('lists the configuration fields at fault and exits 1', async () => {
    const exit = await runServiceToExit('verifier', { configFile: writeConfigFile(doc({ keys: [] }), makeTempDir('verifier-config')) });
    expect(exit.code).toBe(1);
    expect(exit.stderr).toMatch(/^verifier: invalid configuration in .*signet\.yaml:\n( {2}- verifier\.keys: .*\n)+$/);
  });

  it('says in one line why anything else failed, and exits 1', async () => {
    const exit = await runServiceToExit('verifier', {
      configFile: writeConfigFile(doc({ keys: [`${env.dir}/missing.pub`] }), makeTempDir('verifier-config')),
    });
    expect(exit.code).toBe(1);
    expect(exit.stderr).toMatch(/^verifier failed to start: .*missing\.pub.*\n$/);
  });
});
