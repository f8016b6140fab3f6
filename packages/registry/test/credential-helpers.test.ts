import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, removeDir, startRegistry, writeCredentialHelper, type RegistryServer } from '@signet/testing';
import { RegistryClient } from '../src';
import { PASSWORD, USER } from './helpers';

describe('Docker credential helpers (credHelpers, credsStore)', () => {
  let registry: RegistryServer;
  let dir: string;
  const savedPath = process.env.PATH;

  beforeAll(async () => {
    registry = await startRegistry({ users: { [USER]: PASSWORD } });
    dir = makeTempDir('credhelpers');
    writeCredentialHelper(dir, 'signet-test', { server: registry.host, username: USER, password: PASSWORD });
    writeCredentialHelper(dir, 'signet-store', { server: `https://${registry.host}`, username: USER, password: PASSWORD });
    process.env.PATH = `${dir}:${savedPath}`;
  });
  afterAll(async () => {
    process.env.PATH = savedPath;
    await registry?.teardown();
    removeDir(dir);
  });

  const configFile = (config: unknown): string => {
    const file = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify(config));
    return file;
  };
  const client = (dockerConfig: string) => new RegistryClient({ name: 'cfg', url: registry.url, insecure: true, dockerConfig });

  it('runs the helper named for the registry in credHelpers, ahead of auths', async () => {
    const file = configFile({
      auths: { [registry.host]: { auth: Buffer.from(`${USER}:wrong`).toString('base64') } },
      credHelpers: { [registry.host]: 'signet-test' },
    });
    const c = client(file);
    await c.ping();
    expect(c['transport'].credentials).toEqual({ username: USER, password: PASSWORD });
    expect(readFileSync(join(dir, 'signet-test.calls'), 'utf8')).toBe(`get ${registry.host}\n`);
    await c.close();
  });

  it('asks credsStore under the address the login was filed with in auths', async () => {
    const file = configFile({ auths: { [`https://${registry.host}`]: {} }, credsStore: 'signet-store' });
    const c = client(file);
    await c.ping();
    expect(c['transport'].credentials?.username).toBe(USER);
    expect(readFileSync(join(dir, 'signet-store.calls'), 'utf8')).toContain(`get https://${registry.host}\n`);
    await c.close();
  });

  it('treats "credentials not found" as anonymous, which this registry refuses', async () => {
    const file = configFile({ credHelpers: { 'other.example:5000': 'signet-test', [registry.host]: 'signet-store' } });
    const c = client(file);
    expect(c['transport'].credentials).toBeUndefined();
    await expect(c.ping()).rejects.toMatchObject({ code: 'REGISTRY_UNAUTHORIZED' });
    await c.close();
  });

  it('fails clearly when the helper is missing, and refuses a helper name that is a path', () => {
    const missing = configFile({ credHelpers: { [registry.host]: 'not-installed' } });
    expect(() => client(missing)).toThrow(
      expect.objectContaining({
        code: 'CREDENTIAL_HELPER_FAILED',
        message: `docker-credential-not-installed get for ${registry.host}: not found on PATH`,
      }),
    );
    const path = configFile({ credsStore: '../../bin/sh' });
    expect(() => client(path)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(existsSync(join(dir, 'not-installed.calls'))).toBe(false);
  });
});
