import { join } from 'node:path';
import { parseConfig } from '@signet/config';
import { createLogger } from '@signet/observability';
import { makeTempDir, removeDir, runServiceToExit, useRedis, watchRedisClients, writeConfigFile, writeTrustedKey } from '@signet/testing';
import { startAdmission } from '../src/service';

const redis = useRedis();
let dir: string;
let publicKeyPath: string;
const logger = createLogger({ service: 'admission-test', level: 'silent' });

/** A configuration whose serving certificate files do not exist. */
const doc = () => ({
  redis: { url: redis.server.url },
  registries: [{ name: 'local', url: 'http://127.0.0.1:9' }],
  verifier: { keys: [publicKeyPath] },
  admission: { port: 0, opsPort: 0, tls: { certFile: join(dir, 'missing.crt'), keyFile: join(dir, 'missing.key') } },
});

beforeAll(() => {
  dir = makeTempDir('admission-start');
  publicKeyPath = writeTrustedKey(dir).publicKeyPath;
});
afterAll(() => removeDir(dir));

describe('an admission webhook start that fails', () => {
  it('closes every Redis connection it opened when its serving certificate cannot be read', async () => {
    const clients = await watchRedisClients(redis.server.port);
    await expect(startAdmission(parseConfig(doc(), { app: 'admission' }), { logger })).rejects.toThrow(/missing\.crt/);
    expect(await clients.leftOpen()).toBe(0);
  });

  it('main.ts lists the configuration fields at fault and exits 1', async () => {
    const { admission: _omitted, ...rest } = doc();
    const exit = await runServiceToExit('admission', { configFile: writeConfigFile(rest, makeTempDir('admission-config')) });
    expect(exit.code).toBe(1);
    expect(exit.stderr).toMatch(/^admission: invalid configuration in .*signet\.yaml:\n {2}- admission: .*\n$/);
  });

  it('main.ts says in one line why anything else failed, and exits 1', async () => {
    const exit = await runServiceToExit('admission', { configFile: writeConfigFile(doc(), makeTempDir('admission-config')) });
    expect(exit.code).toBe(1);
    expect(exit.stderr).toMatch(/^admission failed to start: .*missing\.crt.*\n$/);
  });
});
