import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort, makeTempDir, ManagedProcess, requireBinary, restartable } from './process';

export interface RegistryNotifications {
  url: string;
  /** Extra headers the registry sends with every notification, e.g. `{ Authorization: 'Bearer x' }`. */
  headers?: Record<string, string>;
  timeout?: string;
  threshold?: number;
  backoff?: string;
  /** Drop blob events at the source (they carry `application/octet-stream`). */
  ignoreBlobs?: boolean;
  /** Drop pull events at the source. */
  ignorePulls?: boolean;
}

export interface RegistryOptions {
  port?: number;
  /** htpasswd users (bcrypt); when given the registry requires basic auth. */
  users?: Record<string, string>;
  notifications?: RegistryNotifications;
  /**
   * Docker token auth (instead of htpasswd): clients are sent to `realm`, and a token is accepted when it is
   * a JWT from `issuer` for `service`, signed by the key of a certificate in the PEM file `rootCertBundle`.
   */
  tokenAuth?: { realm: string; service: string; issuer: string; rootCertBundle: string };
  /** Blob downloads are answered with a 307 to this base URL plus the storage path, as S3- or CDN-backed registries do. */
  redirectBlobsTo?: string;
}

export interface RegistryServer {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `127.0.0.1:PORT`, the host part of image references. */
  host: string;
  port: number;
  dir: string;
  users: Record<string, string>;
  /** Stops the registry (storage kept). */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same storage. */
  start(): Promise<void>;
  teardown(): Promise<void>;
}

/** Starts Debian's CNCF Distribution registry (`docker-registry`) on a free loopback port. */
export async function startRegistry(opts: RegistryOptions = {}): Promise<RegistryServer> {
  requireBinary('docker-registry', 'docker-registry');
  const users = opts.users ?? {};
  const port = opts.port ?? (await freePort());
  const dir = makeTempDir('registry');
  mkdirSync(join(dir, 'storage'));
  const config: Record<string, unknown> = {
    version: 0.1,
    log: { level: 'warn', formatter: 'text', accesslog: { disabled: true } },
    storage: {
      filesystem: { rootdirectory: join(dir, 'storage') },
      delete: { enabled: true },
      maintenance: { uploadpurging: { enabled: false } },
    },
    http: { addr: `127.0.0.1:${port}`, secret: randomBytes(12).toString('hex') },
  };
  if (Object.keys(users).length > 0) {
    requireBinary('htpasswd', 'apache2-utils');
    const file = join(dir, 'htpasswd');
    writeFileSync(file, '');
    for (const [user, password] of Object.entries(users)) {
      appendFileSync(file, execFileSync('htpasswd', ['-Bbn', user, password]).toString().trim() + '\n');
    }
    config.auth = { htpasswd: { realm: 'signet', path: file } };
  }
  if (opts.tokenAuth) {
    const t = opts.tokenAuth;
    config.auth = { token: { realm: t.realm, service: t.service, issuer: t.issuer, rootcertbundle: t.rootCertBundle } };
  }
  if (opts.redirectBlobsTo) config.middleware = { storage: [{ name: 'redirect', options: { baseurl: opts.redirectBlobsTo } }] };
  const n = opts.notifications;
  if (n) {
    const ignoredmediatypes = n.ignoreBlobs ? ['application/octet-stream'] : undefined;
    const ignore = n.ignorePulls ? { actions: ['pull'] } : undefined;
    config.notifications = {
      events: { includereferences: true },
      endpoints: [
        {
          name: 'signet',
          url: n.url,
          timeout: n.timeout ?? '2s',
          threshold: n.threshold ?? 3,
          backoff: n.backoff ?? '1s',
          ...(n.headers ? { headers: Object.fromEntries(Object.entries(n.headers).map(([k, v]) => [k, [v]])) } : {}),
          ...(ignoredmediatypes ? { ignoredmediatypes } : {}),
          ...(ignore ? { ignore } : {}),
        },
      ],
    };
  }
  const configFile = join(dir, 'config.yml');
  writeFileSync(configFile, stringify(config));
  const url = `http://127.0.0.1:${port}`;
  const server: RegistryServer = {
    url,
    host: `127.0.0.1:${port}`,
    port,
    dir,
    users,
    ...restartable({
      dir,
      launch: () => ManagedProcess.start('docker-registry', ['serve', configFile], { logFile: join(dir, 'registry.log') }),
      ready: async () => [200, 401].includes((await fetch(`${url}/v2/`)).status),
      timeoutMs: 15_000,
      what: `docker-registry on port ${port}`,
    }),
  };
  await server.start();
  return server;
}
