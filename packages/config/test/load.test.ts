import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { ConfigError, loadConfig, parseConfig } from '../src';

const dir = mkdtempSync(join(tmpdir(), 'signet-config-'));
const write = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const example = join(__dirname, '../../../signet.example.yaml');
const env = { REGISTRY_PASSWORD: 'reg-pw', WEBHOOK_TOKEN: 'hook-token-0123456789', COSIGN_PASSWORD: 'key-pw' };

describe('loadConfig', () => {
  it('reads the shipped example with defaults and resolved secrets', () => {
    const cfg = loadConfig({ path: example, env });
    expect(cfg.redis).toEqual({ url: 'redis://127.0.0.1:6379', prefix: '{signet}' });
    expect(cfg.registries[0]).toMatchObject({ name: 'local', host: '127.0.0.1:5000', username: 'ci-bot', timeout: 30_000 });
    expect(cfg.registries[0]?.password?.reveal()).toBe('reg-pw');
    const auth = cfg.webhooks[0]?.auth;
    expect(auth?.type === 'bearer' && auth.token.reveal()).toBe('hook-token-0123456789');
    expect(cfg.signer?.trust[0]?.actors).toEqual(['ci-bot']);
    expect(cfg.signer).toMatchObject({ lockDuration: 30_000, stalledInterval: 30_000, digestLockTtl: 30_000 });
    expect(cfg.verifier).toMatchObject({ gracePeriod: 30_000, rescan: { every: 60_000 } });
  });

  it('never prints a secret', () => {
    const cfg = loadConfig({ path: example, env });
    const shown = JSON.stringify(cfg) + inspect(cfg, { depth: 10 }) + String(cfg.registries[0]?.password);
    for (const s of Object.values(env)) expect(shown).not.toContain(s);
  });

  it('lets REDIS_URL and the app PORT override the file', () => {
    const cfg = loadConfig({ path: example, env: { ...env, REDIS_URL: 'redis://10.0.0.1:7000', PORT: '9999' }, app: 'signer' });
    expect(cfg.redis.url).toBe('redis://10.0.0.1:7000');
    expect(cfg.signer?.port).toBe(9999);
    expect(cfg.receiver.port).toBe(8080);
  });

  it("lets OPS_PORT override the receiver's ops port, and only the receiver's", () => {
    const receiver = loadConfig({ path: example, env: { ...env, PORT: '18080', OPS_PORT: '19100' }, app: 'receiver' });
    expect([receiver.receiver.port, receiver.receiver.ops.port]).toEqual([18080, 19100]);
    expect(loadConfig({ path: example, env: { ...env, OPS_PORT: '19100' }, app: 'signer' }).receiver.ops.port).toBe(9100);
  });

  it('reads SIGNET_CONFIG when no path is given', () => {
    expect(loadConfig({ env: { ...env, SIGNET_CONFIG: example } }).source).toBe(example);
  });

  it('lists every bad field with its path', () => {
    const bad = write(
      'bad.yaml',
      [
        'registries:',
        '  - { name: local, url: not-a-url, maxConcurrency: -1 }',
        'webhooks:',
        '  - { name: w, source: nexus, registry: local, auth: { type: bearer, tokenEnv: T } }',
        'verifier: { keys: [], gracePeriod: soon }',
        'surprise: 1',
      ].join('\n'),
    );
    let err: ConfigError | undefined;
    try {
      loadConfig({ path: bad, env: {} });
    } catch (e) {
      err = e as ConfigError;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const paths = err!.issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'registries.0.url',
        'registries.0.maxConcurrency',
        'webhooks.0.source',
        'verifier.keys',
        'verifier.gracePeriod',
        '',
      ]),
    );
    expect(err!.message).toContain('registries.0.url');
  });

  it('takes Redis Cluster seeds as redis:// URLs and refuses a bare host:port', () => {
    const doc = (cluster: unknown) => ({ redis: { cluster }, registries: [{ name: 'a', url: 'http://a:5000' }] });
    expect(parseConfig(doc(['redis://10.0.0.1:7000', 'rediss://:pw@redis-1:7000']), { env: {} }).redis.cluster).toEqual([
      'redis://10.0.0.1:7000',
      'rediss://:pw@redis-1:7000',
    ]);
    // `new URL('redis-0:6379')` parses `redis-0:` as the scheme and no host: it must not reach the connection.
    expect(() => parseConfig(doc(['redis-0:6379']), { env: {} })).toThrow(/redis\.cluster\.0: must start with redis:\/\/ or rediss:\/\//);
    expect(() => parseConfig(doc([]), { env: {} })).toThrow(/redis\.cluster/);
  });

  it('reports references to unknown registries and missing secrets', () => {
    const doc = {
      registries: [{ name: 'a', url: 'http://a:5000' }],
      webhooks: [{ name: 'w', source: 'github', registry: 'b', auth: { type: 'hmac-sha256', secretEnv: 'GH_SECRET' } }],
      signer: { key: { path: 'k', passwordEnv: 'NOPE' }, trust: [{ registry: 'c', repositories: ['*'], actors: ['x'] }] },
    };
    expect(() => parseConfig(doc, { env: {} })).toThrow(/webhooks\.0\.registry: no registry named "b"/);
    try {
      parseConfig(doc, { env: {} });
    } catch (e) {
      const paths = (e as ConfigError).issues.map((i) => i.path);
      expect(paths).toEqual(expect.arrayContaining(['webhooks.0.auth.secretEnv', 'signer.trust.0.registry', 'signer.key.passwordEnv']));
    }
  });

  it('asks only for the secrets of the app that starts', () => {
    const cfg = loadConfig({ path: example, env: { WEBHOOK_TOKEN: env.WEBHOOK_TOKEN }, app: 'receiver' });
    expect(cfg.registries[0]?.password).toBeUndefined();
    expect(() => loadConfig({ path: example, env: { WEBHOOK_TOKEN: env.WEBHOOK_TOKEN }, app: 'signer' })).toThrow(
      /COSIGN_PASSWORD is not set/,
    );
    // The signer does not judge the receiver's token, nor the receiver the signer's key password.
    expect(loadConfig({ path: example, env: { ...env, WEBHOOK_TOKEN: 'short' }, app: 'signer' }).signer?.key?.password?.reveal()).toBe(
      'key-pw',
    );
    expect(loadConfig({ path: example, env: { ...env, COSIGN_PASSWORD: 'change-me' }, app: 'receiver' }).webhooks).toHaveLength(1);
  });

  it('reads secrets from files without the trailing newline', () => {
    const file = write('token', 'from-file-0123456789\n');
    const cfg = parseConfig({
      registries: [{ name: 'a', url: 'http://a' }],
      webhooks: [{ name: 'w', source: 'distribution', registry: 'a', auth: { type: 'bearer', tokenFile: file } }],
    });
    const auth = cfg.webhooks[0]!.auth;
    expect(auth.type === 'bearer' && auth.token.reveal()).toBe('from-file-0123456789');
  });

  it('fails clearly on a missing file or broken YAML', () => {
    expect(() => loadConfig({ path: join(dir, 'none.yaml'), env: {} })).toThrow(/cannot read file/);
    expect(() => loadConfig({ path: write('broken.yaml', 'a: [1,'), env: {} })).toThrow(/not valid YAML/);
  });
});

describe('secrets and senders refused at start', () => {
  const hook = (auth: Record<string, unknown>, registry = 'a') => ({ name: 'w', source: 'distribution', registry, auth });
  const doc = (extra: Record<string, unknown>) => ({
    registries: [
      { name: 'a', url: 'http://a' },
      { name: 'b', url: 'http://b' },
    ],
    ...extra,
  });
  const trustA = { trust: [{ registry: 'a', repositories: ['**'], actors: ['ci-bot'] }] };
  const issues = (d: unknown, e: NodeJS.ProcessEnv, app?: 'receiver' | 'signer') => {
    try {
      parseConfig(d, { env: e, app });
      return [];
    } catch (err) {
      return (err as ConfigError).issues.map((i) => `${i.path}: ${i.message}`);
    }
  };

  it('refuses auth none on a webhook whose registry a trust rule covers, unless the opt-out is set', () => {
    expect(issues(doc({ webhooks: [hook({ type: 'none' })], signer: trustA }), {})).toEqual([
      expect.stringMatching(/^webhooks\.0\.auth: type none lets anyone .* signer\.trust\.0 .*dangerouslyLetAnyoneNameAnyActor: true$/),
    ]);
    expect(issues(doc({ webhooks: [hook({ type: 'none', dangerouslyLetAnyoneNameAnyActor: true })], signer: trustA }), {})).toEqual([]);
    expect(issues(doc({ webhooks: [hook({ type: 'none' }, 'b')], signer: trustA }), {})).toEqual([]);
    // The opt-out is `true` or absent: `false` is no way to spell it.
    expect(issues(doc({ webhooks: [hook({ type: 'none', dangerouslyLetAnyoneNameAnyActor: false })], signer: trustA }), {})[0]).toMatch(
      /dangerouslyLetAnyoneNameAnyActor/,
    );
  });

  it.each([
    ['', /webhooks\.0\.auth\.tokenEnv: environment variable T is empty/],
    [
      '0123456789abcde',
      /webhooks\.0\.auth\.tokenEnv: environment variable T holds 15 bytes: webhook and dashboard secrets need at least 16/,
    ],
    ['change-me', /webhooks\.0\.auth\.tokenEnv: environment variable T holds a well-known placeholder/],
    ['Please-Change-Me-Now', /placeholder/],
    ['<your-webhook-token>', /placeholder/],
    ['${WEBHOOK_TOKEN_FROM_VAULT}', /placeholder/],
    ['xxxxxxxxxxxxxxxxxxxx', /placeholder/],
  ])('refuses the webhook token %j, naming the field', (value, message) => {
    const found = issues(doc({ webhooks: [hook({ type: 'bearer', tokenEnv: 'T' })] }), { T: value });
    expect(found).toEqual([expect.stringMatching(message)]);
    if (value) expect(found.join('')).not.toContain(value);
  });

  it('accepts a random 16-byte token', () => {
    expect(issues(doc({ webhooks: [hook({ type: 'bearer', tokenEnv: 'T' })] }), { T: 'k3J9xQ2mPz8vL4wA' })).toEqual([]);
  });

  it('refuses an empty, short or placeholder dashboard password, from env or file', () => {
    const dash = (d: Record<string, unknown>) => doc({ receiver: { dashboard: { enabled: true, ...d } } });
    expect(issues(dash({ passwordEnv: 'D' }), { D: '' })).toEqual([
      expect.stringMatching(/^receiver\.dashboard\.passwordEnv: environment variable D is empty/),
    ]);
    expect(issues(dash({ passwordEnv: 'D' }), { D: 'admin' })).toEqual([
      expect.stringMatching(/^receiver\.dashboard\.passwordEnv: .*placeholder/),
    ]);
    expect(issues(dash({ passwordEnv: 'D' }), { D: 'a-dashboard-pw' })).toEqual([
      expect.stringMatching(/^receiver\.dashboard\.passwordEnv: .*14 bytes/),
    ]);
    const file = write('dash', 'PASSWORD\n');
    expect(issues(dash({ passwordFile: file }), {})).toEqual([
      expect.stringMatching(/^receiver\.dashboard\.passwordFile: file .* placeholder/),
    ]);
  });

  it('refuses only placeholders among registry and key passwords, which Signet does not choose', () => {
    const signer = { key: { path: 'k', passwordEnv: 'K' } };
    const d = doc({ registries: [{ name: 'a', url: 'http://a', passwordEnv: 'R' }], signer });
    expect(issues(d, { R: 'pw', K: '' }, 'signer')).toEqual([]);
    // Placeholder phrases count as whole words only.
    expect(issues(d, { R: 'exchangemeeting', K: 'sunset-me-adow' }, 'signer')).toEqual([]);
    expect(issues(d, { R: 'Change_Me', K: 'secret' }, 'signer')).toEqual([
      expect.stringMatching(/^registries\.0\.passwordEnv: environment variable R holds a well-known placeholder/),
      expect.stringMatching(/^signer\.key\.passwordEnv: environment variable K holds a well-known placeholder/),
    ]);
  });

  it('gives the ops listener a port of its own', () => {
    const found = issues(doc({ receiver: { port: 8080, ops: { port: 8080 } } }), {});
    expect(found).toEqual([expect.stringMatching(/^receiver\.ops\.port: the ops listener needs a port of its own/)]);
  });

  it('names the new place of the renamed admin listener and the removed public dashboard', () => {
    expect(issues(doc({ receiver: { admin: { port: 9100 } } }), {})).toEqual([
      expect.stringMatching(/^receiver\.admin: renamed to receiver\.ops/),
    ]);
    const found = issues(doc({ receiver: { dashboard: { enabled: true, passwordEnv: 'D', dangerouslyServeOnWebhookListener: true } } }), {
      D: 'k3J9xQ2mPz8vL4wA',
    });
    expect(found).toEqual([
      expect.stringMatching(/^receiver\.dashboard\.dangerouslyServeOnWebhookListener: removed: the public port serves only \/webhooks\//),
    ]);
  });
});
