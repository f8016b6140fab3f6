import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Cluster, Redis } from 'ioredis';
import { ConfigError, parseConfig } from '@signet/config';
import {
  freePort,
  makeTempDir,
  removeDir,
  requireBinary,
  selfSignedCertificate,
  startRedis,
  waitFor,
  type RedisServer,
} from '@signet/testing';
import { connectionFactory, createRedisConnection, RedisTlsFileError, type RedisTlsSettings } from '../src';

/** Warn lines as a pino logger would write them, kept in memory. */
function recordingLogger() {
  const lines: { fields: Record<string, unknown>; message: string }[] = [];
  return { lines, warn: (fields: Record<string, unknown>, message: string) => void lines.push({ fields, message }) };
}

const opened: (Redis | Cluster)[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((c) => c.quit().catch(() => c.disconnect())));
});
function track<T extends Redis | Cluster>(c: T): T {
  opened.push(c);
  return c;
}

describe('the eviction-policy warning', () => {
  let evicting: RedisServer;
  let safe: RedisServer;
  beforeAll(async () => {
    [evicting, safe] = await Promise.all([
      startRedis({ extraConfig: 'maxmemory 64mb\nmaxmemory-policy allkeys-lru' }),
      startRedis({ extraConfig: 'maxmemory-policy noeviction' }),
    ]);
  });
  afterAll(() => Promise.all([evicting?.teardown(), safe?.teardown()]));

  it('logs one structured warning naming the policy when Redis may evict keys', async () => {
    const log = recordingLogger();
    const connect = connectionFactory({ url: evicting.url }, { logger: log });
    track(connect('worker'));
    track(connect('producer'));
    await waitFor(() => log.lines.length > 0, 5000, 'the eviction warning');
    await new Promise((r) => setTimeout(r, 200));
    expect(log.lines).toHaveLength(1);
    expect(log.lines[0]?.fields).toEqual({ code: 'REDIS_EVICTION_POLICY', maxmemoryPolicy: 'allkeys-lru', required: 'noeviction' });
    expect(log.lines[0]?.message).toMatch(/allkeys-lru, not noeviction: .*queued webhooks/);
  });

  it('says nothing when the policy is noeviction', async () => {
    const log = recordingLogger();
    const connection = track(connectionFactory({ url: safe.url }, { logger: log })('worker'));
    await new Promise((r) => connection.once('ready', r));
    // The check's INFO went out on this connection before this PING, so its answer has been handled.
    await connection.ping();
    await new Promise((r) => setImmediate(r));
    expect(await connection.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
    expect(log.lines).toEqual([]);
  });
});

/** A private CA and a certificate it issued for `cn` (IP SAN 127.0.0.1), made with openssl. */
function issue(dir: string, ca: { cert: string; key: string }, name: string, usage: 'serverAuth' | 'clientAuth') {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const cert = join(dir, `${name}.pem`);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, `subjectAltName=IP:127.0.0.1,DNS:redis.test\nextendedKeyUsage=${usage}\n`);
  execFileSync(
    'openssl',
    [
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      key,
      '-out',
      csr,
    ],
    { stdio: 'pipe' },
  );
  execFileSync(
    'openssl',
    ['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-days', '1', '-extfile', ext, '-out', cert],
    { stdio: 'pipe' },
  );
  return { cert, key };
}

/** Resolves with PONG, or rejects with the first connection error (a oneshot connection gives up quickly). */
function pingOver(url: string, tls: RedisTlsSettings | undefined): Promise<string> {
  const connection = track(createRedisConnection({ url, role: 'oneshot', ...(tls ? { tls } : {}) }));
  return new Promise((resolve, reject) => {
    connection.once('error', reject);
    connection.ping().then(resolve, reject);
  });
}

describe('rediss:// with a private CA', () => {
  let dir: string;
  let ca: { cert: string; key: string };
  let client: { cert: string; key: string };
  let servers: RedisServer[] = [];
  let tlsUrl: string;
  let mutualUrl: string;

  beforeAll(async () => {
    requireBinary('openssl', 'openssl');
    // Debian's redis-server is built with TLS; a build without it refuses `tls-port` and fails to start here.
    expect(execFileSync('redis-server', ['--version'], { encoding: 'utf8' })).toMatch(/v=(7|8)\./);
    dir = makeTempDir('redis-tls');
    ca = selfSignedCertificate(dir, 'private-ca', { subject: '/CN=private-ca' });
    const server = issue(dir, ca, 'redis-server', 'serverAuth');
    client = issue(dir, ca, 'signet-client', 'clientAuth');
    const [tlsPort, mutualPort] = [await freePort(), await freePort()];
    const tlsConfig = (port: number, authClients: 'yes' | 'no') =>
      [
        `tls-port ${port}`,
        `tls-cert-file ${server.cert}`,
        `tls-key-file ${server.key}`,
        `tls-ca-cert-file ${ca.cert}`,
        `tls-auth-clients ${authClients}`,
      ].join('\n');
    servers = await Promise.all([
      startRedis({ extraConfig: tlsConfig(tlsPort, 'no') }),
      startRedis({ extraConfig: tlsConfig(mutualPort, 'yes') }),
    ]);
    tlsUrl = `rediss://127.0.0.1:${tlsPort}`;
    mutualUrl = `rediss://127.0.0.1:${mutualPort}`;
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.teardown()));
    if (dir) removeDir(dir);
  });

  it('connects when redis.tls.caFile names the CA that issued the server certificate', async () => {
    expect(await pingOver(tlsUrl, { caFile: ca.cert })).toBe('PONG');
  });

  it('refuses the server certificate without the CA (the public roots do not know it)', async () => {
    await expect(pingOver(tlsUrl, undefined)).rejects.toThrow(/certificate/i);
  });

  it('refuses a certificate from another CA, and a name the certificate does not carry', async () => {
    const other = selfSignedCertificate(dir, 'other-ca', { subject: '/CN=other-ca' });
    await expect(pingOver(tlsUrl, { caFile: other.cert })).rejects.toThrow(/certificate/i);
    await expect(pingOver(tlsUrl, { caFile: ca.cert, servername: 'elsewhere.test' })).rejects.toThrow(
      /elsewhere\.test|altnames|does not match/i,
    );
    expect(await pingOver(tlsUrl, { caFile: ca.cert, servername: 'redis.test' })).toBe('PONG');
  });

  it('presents a client certificate when Redis requires one', async () => {
    await expect(pingOver(mutualUrl, { caFile: ca.cert })).rejects.toThrow();
    expect(await pingOver(mutualUrl, { caFile: ca.cert, certFile: client.cert, keyFile: client.key })).toBe('PONG');
  });

  it('takes the settings from the configuration, which refuses TLS settings on a plain redis:// URL', async () => {
    const base = { registries: [{ name: 'r', url: 'https://registry.example.com' }] };
    const config = parseConfig({ ...base, redis: { url: tlsUrl, tls: { caFile: ca.cert } } }, { env: {} });
    const connection = track(connectionFactory(config.redis)('oneshot'));
    expect(await connection.ping()).toBe('PONG');
    const plain = () => parseConfig({ ...base, redis: { url: 'redis://127.0.0.1:6379', tls: { caFile: ca.cert } } }, { env: {} });
    expect(plain).toThrow(ConfigError);
    expect(plain).toThrow(/redis\.tls: redis\.tls needs a rediss:\/\/ URL/);
  });

  it('stops at start with a typed error when a TLS file cannot be read', () => {
    expect(() => createRedisConnection({ url: tlsUrl, role: 'oneshot', tls: { caFile: join(dir, 'missing.pem') } })).toThrow(
      RedisTlsFileError,
    );
  });
});
