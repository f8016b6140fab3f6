import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '@signet/config';
import { createLogger } from '@signet/observability';
import { makeTempDir, redisClientCount, removeDir, runServiceToExit, startRedis, writeConfigFile, type RedisServer } from '@signet/testing';
import { startAdmission } from '../src/service';

let redis: RedisServer;
let dir: string;
let publicKeyPath: string;
const logger = createLogger({ service: 'admission-test', level: 'silent' });
/** Clients on the test's redis-server; with `settle`, once the count has come back to it (closing is asynchronous). */
const clients = (settle?: number) => redisClientCount(redis.port, { expected: settle });

/** A configuration whose serving certificate files do not exist. */
const doc = () => ({
  redis: { url: redis.url },
  registries: [{ name: 'local', url: 'http://127.0.0.1:9' }],
  verifier: { keys: [publicKeyPath] },
  admission: { port: 0, opsPort: 0, tls: { certFile: join(dir, 'missing.crt'), keyFile: join(dir, 'missing.key') } },
});

beforeAll(async () => {
  redis = await startRedis();
  dir = makeTempDir('admission-start');
  publicKeyPath = join(dir, 'cosign.pub');
  writeFileSync(publicKeyPath, generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'pem' }));
}, 30_000);
afterAll(async () => {
  await redis.teardown();
  removeDir(dir);
});

describe('an admission webhook start that fails', () => {
  it('closes every Redis connection it opened when its serving certificate cannot be read', async () => {
    const before = await clients();
    await expect(startAdmission(parseConfig(doc(), { app: 'admission' }), { logger })).rejects.toThrow(/missing\.crt/);
    expect(await clients(before)).toBe(before);
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
