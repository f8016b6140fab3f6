import { parseConfig } from '@signet/config';
import { createLogger } from '@signet/observability';
import { makeTempDir, removeDir, runServiceToExit, useRedis, watchRedisClients, writeConfigFile } from '@signet/testing';
import { startSigner } from '../src/service';

const redis = useRedis();
let dir: string;
beforeAll(() => {
  dir = makeTempDir('signer-start');
});
afterAll(() => removeDir(dir));
const logger = createLogger({ service: 'signer-test', level: 'silent' });

const doc = (signer: Record<string, unknown>) => ({
  redis: { url: redis.server.url },
  registries: [{ name: 'local', url: 'http://127.0.0.1:9' }],
  signer: { port: 0, ...signer },
});

describe('a signer start that fails', () => {
  it('closes every Redis connection it opened when its key file cannot be read', async () => {
    const clients = await watchRedisClients(redis.server.port);
    const config = parseConfig(doc({ key: { path: `${dir}/missing.key` } }), { app: 'signer' });
    await expect(startSigner(config, { logger, env: {} })).rejects.toThrow(/missing\.key/);
    expect(await clients.leftOpen()).toBe(0);
  });

  it('main.ts lists the configuration fields at fault and exits 1', async () => {
    const configFile = writeConfigFile(
      { redis: { url: redis.server.url }, registries: [{ name: 'local', url: 'http://127.0.0.1:9' }] },
      makeTempDir('signer-config'),
    );
    const exit = await runServiceToExit('signer', { configFile });
    expect(exit.code).toBe(1);
    expect(exit.stderr).toMatch(/^signer: invalid configuration in .*signet\.yaml:\n {2}- signer\.key: .*\n$/);
  });

  it('main.ts says in one line why anything else failed, and exits 1', async () => {
    const configFile = writeConfigFile(doc({ key: { path: `${dir}/missing.key` } }), makeTempDir('signer-config'));
    const exit = await runServiceToExit('signer', { configFile });
    expect(exit.code).toBe(1);
    expect(exit.stderr).toMatch(/^signer failed to start: .*missing\.key.*\n$/);
  });
});
