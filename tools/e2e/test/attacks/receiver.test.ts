// Attacks on the webhook receiver, each against the receiver as its own process and a real redis-server: a
// forged signet.push job through the queue dashboard, the dashboard on the public port, configs that let an
// unauthenticated sender name ci-bot or that carry empty, short or well-known secrets, a malformed %-escape
// in a path secret, and a second Authorization header.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { Queue, Worker } from 'bullmq';
import { createRedisConnection, QueueNames } from '@signet/queue';
import {
  freePort,
  repoRoot,
  startRedis,
  startService,
  waitFor,
  writeConfigFile,
  type RedisServer,
  type RunningService,
} from '@signet/testing';

const PREFIX = '{signet}';
const WEBHOOK_TOKEN = 'attack-test-webhook-token-0123456789';
const PATH_SECRET = 'attack-test-path-secret-0123456789';
const DASHBOARD_PASSWORD = 'attack-test-dashboard-pw-0123456789';
const DASHBOARD_AUTH = { authorization: 'Basic ' + Buffer.from(`ops:${DASHBOARD_PASSWORD}`).toString('base64') };
const ENV = { WEBHOOK_TOKEN, PATH_SECRET, DASHBOARD_PASSWORD, LOG_LEVEL: 'debug' };

const registries = [{ name: 'local', url: 'http://127.0.0.1:5000' }];
const trustCiBot = { trust: [{ registry: 'local', repositories: ['**'], actors: ['ci-bot'] }] };
const webhooks = [
  { name: 'local', source: 'distribution', registry: 'local', auth: { type: 'bearer', tokenEnv: 'WEBHOOK_TOKEN' } },
  { name: 'hub', source: 'dockerhub', registry: 'local', auth: { type: 'path-secret', secretEnv: 'PATH_SECRET' } },
];

/** Runs the receiver's main.ts with a config that must be refused; resolves with its exit code and stderr. */
function runRefused(config: Record<string, unknown>, env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const root = repoRoot();
  const configFile = writeConfigFile({ registries, ...config });
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env, SIGNET_CONFIG: configFile, PORT: '0', REDIS_URL: 'redis://127.0.0.1:1' };
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(root, 'apps/webhook-receiver/src/main.ts')],
      { cwd: root, env: childEnv, timeout: 20_000 },
      (err, _stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stderr });
      },
    );
  });
}

/** One raw HTTP/1.1 request, so headers can repeat exactly as sent (fetch merges them). */
function rawRequest(port: number, head: string[], body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.on('data', (c) => (data += c.toString()));
    socket.on('error', reject);
    socket.on('end', () => resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0), text: data }));
    socket.write([...head, `content-length: ${Buffer.byteLength(body)}`, 'connection: close', '', body].join('\r\n'));
  });
}

const distributionBody = (digest: string) =>
  JSON.stringify({
    events: [
      {
        id: `evt-${digest.slice(-8)}`,
        timestamp: new Date().toISOString(),
        action: 'push',
        target: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, repository: 'team/app', tag: '1.0.0', size: 1 },
        actor: { name: 'ci-bot' },
        request: { host: '127.0.0.1:5000' },
      },
    ],
  });

describe('attacks on the webhook receiver', () => {
  let redis: RedisServer;
  let queue: Queue;
  let connection: ReturnType<typeof createRedisConnection>;
  beforeAll(async () => {
    redis = await startRedis();
    connection = createRedisConnection({ url: redis.url, role: 'worker' });
    // Plain BullMQ rather than openPushQueue: the dashboard tests plant marker jobs that are not push jobs.
    queue = new Queue(QueueNames.push, { connection, prefix: PREFIX });
  });
  afterAll(async () => {
    await queue?.close();
    connection?.disconnect();
    await redis?.teardown();
  });

  /** Every job of signet.push with its state and data, and whether the queue is paused. */
  async function snapshot() {
    const states = ['waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized', 'paused'] as const;
    const jobs = await queue.getJobs([...states]);
    const rows = await Promise.all(jobs.map(async (j) => `${j.id} ${await j.getState()} ${JSON.stringify(j.data)}`));
    return { jobs: rows.sort(), paused: await queue.isPaused() };
  }

  describe('the queue dashboard', () => {
    let receiver: RunningService;
    let adminUrl: string;
    let failedId: string;
    let delayedId: string;
    beforeAll(async () => {
      await queue.obliterate({ force: true });
      // A failed job (retry would re-run it) and a delayed one (promote would run it now), made by real BullMQ.
      const failed = await queue.add('push', { v: 1, marker: 'failed' }, { attempts: 1 });
      const worker = new Worker(
        QueueNames.push,
        async () => {
          throw new Error('fails on purpose');
        },
        { connection: createRedisConnection({ url: redis.url, role: 'worker' }), prefix: PREFIX },
      );
      await waitFor(async () => (await failed.getState()) === 'failed', 10_000, 'the job to fail');
      await worker.close();
      failedId = failed.id!;
      delayedId = (await queue.add('push', { v: 1, marker: 'delayed' }, { delay: 3_600_000 })).id!;
      const adminPort = await freePort();
      adminUrl = `http://127.0.0.1:${adminPort}/admin/queues`;
      const configFile = writeConfigFile({
        redis: { url: redis.url, prefix: PREFIX },
        registries,
        webhooks,
        receiver: {
          host: '127.0.0.1',
          ops: { host: '127.0.0.1' },
          dashboard: { enabled: true, username: 'ops', passwordEnv: 'DASHBOARD_PASSWORD' },
        },
        signer: trustCiBot,
      });
      receiver = await startService('webhook-receiver', { configFile, port: await freePort(), opsPort: adminPort, env: ENV });
    });
    afterAll(async () => {
      await receiver?.stop();
    });

    it('refuses a forged ci-bot push job, a retry, a promote, a clean, an empty and a pause, and the queue is unchanged', async () => {
      const before = await snapshot();
      expect(before.jobs).toHaveLength(2);
      const forged = {
        name: 'push',
        data: {
          v: 1,
          event: {
            kind: 'push',
            registry: 'local',
            repository: 'team/app',
            digest: `sha256:${'e'.repeat(64)}`,
            actor: 'ci-bot',
            eventId: 'forged',
            occurredAt: new Date().toISOString(),
            source: 'distribution',
          },
          receivedAt: new Date().toISOString(),
        },
      };
      const attempts: Array<[string, string, unknown?]> = [
        ['POST', '/api/queues/signet.push/add', forged],
        ['PUT', `/api/queues/signet.push/${failedId}/retry`],
        ['PUT', '/api/queues/signet.push/retry/failed'],
        ['PUT', `/api/queues/signet.push/${delayedId}/promote`],
        ['PUT', '/api/queues/signet.push/promote'],
        ['PUT', `/api/queues/signet.push/${failedId}/clean`],
        ['PUT', '/api/queues/signet.push/clean/failed'],
        ['PUT', '/api/queues/signet.push/empty'],
        ['PUT', '/api/queues/signet.push/pause'],
        ['PUT', '/api/queues/pause'],
        ['PATCH', `/api/queues/signet.push/${delayedId}/update-data`, { v: 1, marker: 'edited' }],
      ];
      for (const [method, path, body] of attempts) {
        const res = await fetch(adminUrl + path, {
          method,
          headers: { ...DASHBOARD_AUTH, 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        expect({ method, path, refused: res.status === 403 || res.status === 405 }).toEqual({ method, path, refused: true });
      }
      expect(await snapshot()).toEqual(before);
      // Reading still works, and bull-board itself is in read-only mode for every queue.
      const list = await fetch(`${adminUrl}/api/queues`, { headers: DASHBOARD_AUTH });
      expect(list.status).toBe(200);
      const queues = ((await list.json()) as { queues: Array<{ name: string; readOnlyMode: boolean }> }).queues;
      expect(queues.map((q) => [q.name, q.readOnlyMode]).sort()).toEqual([
        ['signet.push', true],
        ['signet.rescan', true],
        ['signet.verify', true],
      ]);
    });

    it('is served on the ops listener only, never on the public webhook port, which answers nothing but /webhooks/', async () => {
      for (const path of ['/admin/queues', '/admin/queues/api/queues', '/metrics', '/healthz', '/readyz']) {
        expect((await fetch(receiver.url + path, { headers: DASHBOARD_AUTH })).status).toBe(404);
      }
      const add = await fetch(`${receiver.url}/admin/queues/api/queues/signet.push/add`, {
        method: 'POST',
        headers: { ...DASHBOARD_AUTH, 'content-type': 'application/json' },
        body: '{"name":"push","data":{}}',
      });
      expect(add.status).toBe(404);
      expect((await fetch(adminUrl, { headers: DASHBOARD_AUTH })).status).toBe(200);
      expect((await fetch(adminUrl)).status).toBe(401);
      // The ops listener serves probes and metrics, but no webhooks.
      expect((await fetch(adminUrl.replace('/admin/queues', '/readyz'))).status).toBe(200);
      expect(
        (
          await fetch(adminUrl.replace('/admin/queues', '/webhooks/local'), {
            method: 'POST',
            headers: { authorization: `Bearer ${WEBHOOK_TOKEN}` },
          })
        ).status,
      ).toBe(404);
    });
  });

  describe('configs refused at start', () => {
    const none = [{ name: 'open', source: 'distribution', registry: 'local', auth: { type: 'none' } }];
    const dashboard = { host: '127.0.0.1', dashboard: { enabled: true, passwordEnv: 'DASHBOARD_PASSWORD' } };
    // [what, config, environment, the line naming the field, a value that must not be printed]
    const cases: Array<[string, Record<string, unknown>, Record<string, string>, RegExp, string]> = [
      [
        'auth none on a registry the trust rules cover',
        { webhooks: none, signer: trustCiBot },
        {},
        /webhooks\.0\.auth: type none .*signer\.trust\.0 .*dangerouslyLetAnyoneNameAnyActor/,
        '',
      ],
      [
        'an empty webhook token',
        { webhooks },
        { ...ENV, WEBHOOK_TOKEN: '' },
        /webhooks\.0\.auth\.tokenEnv: environment variable WEBHOOK_TOKEN is empty/,
        '',
      ],
      [
        'a webhook token shorter than 16 bytes',
        { webhooks },
        { ...ENV, WEBHOOK_TOKEN: 'hook-token-1234' },
        /webhooks\.0\.auth\.tokenEnv: environment variable WEBHOOK_TOKEN holds 15 bytes: .* at least 16/,
        'hook-token-1234',
      ],
      [
        'a placeholder path secret',
        { webhooks },
        { ...ENV, PATH_SECRET: 'CHANGE-ME-CHANGE-ME' },
        /webhooks\.1\.auth\.secretEnv: environment variable PATH_SECRET holds a well-known placeholder/,
        'CHANGE-ME-CHANGE-ME',
      ],
      [
        'an empty dashboard password',
        { receiver: dashboard },
        { DASHBOARD_PASSWORD: '' },
        /receiver\.dashboard\.passwordEnv: environment variable DASHBOARD_PASSWORD is empty/,
        '',
      ],
      [
        'a short dashboard password',
        { receiver: dashboard },
        { DASHBOARD_PASSWORD: 'd4shb0ard' },
        /receiver\.dashboard\.passwordEnv: environment variable DASHBOARD_PASSWORD holds 9 bytes/,
        'd4shb0ard',
      ],
      [
        'a placeholder dashboard password',
        { receiver: dashboard },
        { DASHBOARD_PASSWORD: 'Change-Me' },
        /receiver\.dashboard\.passwordEnv: environment variable DASHBOARD_PASSWORD holds a well-known placeholder/,
        'Change-Me',
      ],
      [
        'the dashboard asked for on the public port',
        { receiver: { ...dashboard, dashboard: { ...dashboard.dashboard, dangerouslyServeOnWebhookListener: true } } },
        ENV,
        /receiver\.dashboard\.dangerouslyServeOnWebhookListener: removed: the public port serves only \/webhooks\//,
        '',
      ],
      [
        'the renamed admin listener',
        { receiver: { host: '127.0.0.1', admin: { port: 9100 } } },
        ENV,
        /receiver\.admin: renamed to receiver\.ops/,
        '',
      ],
    ];
    it.each(cases)('exits 1 naming the field: %s', async (_what, config, env, message, unprinted) => {
      const { code, stderr } = await runRefused(config, env);
      expect(code).toBe(1);
      expect(stderr).toMatch(message);
      for (const value of [WEBHOOK_TOKEN, PATH_SECRET, DASHBOARD_PASSWORD, unprinted].filter(Boolean)) expect(stderr).not.toContain(value);
    });

    it('starts an unauthenticated webhook only with the loudly named opt-out, or for a registry no trust rule covers', async () => {
      const optOut = [
        { name: 'open', source: 'distribution', registry: 'local', auth: { type: 'none', dangerouslyLetAnyoneNameAnyActor: true } },
      ];
      const uncovered = [{ name: 'open', source: 'distribution', registry: 'other', auth: { type: 'none' } }];
      for (const [hooks, regs] of [
        [optOut, registries],
        [uncovered, [...registries, { name: 'other', url: 'http://127.0.0.1:5001' }]],
      ] as const) {
        const configFile = writeConfigFile({
          redis: { url: redis.url, prefix: PREFIX },
          registries: regs,
          webhooks: hooks,
          receiver: { host: '127.0.0.1' },
          signer: trustCiBot,
        });
        const svc = await startService('webhook-receiver', { configFile, port: await freePort(), env: {} });
        await svc.stop();
        expect(svc.process.child.exitCode).toBe(0);
      }
    });
  });

  describe('requests', () => {
    let receiver: RunningService;
    let port: number;
    beforeAll(async () => {
      await queue.obliterate({ force: true });
      port = await freePort();
      const configFile = writeConfigFile({
        redis: { url: redis.url, prefix: PREFIX },
        registries,
        webhooks,
        receiver: { host: '127.0.0.1' },
        signer: trustCiBot,
      });
      receiver = await startService('webhook-receiver', { configFile, port, env: ENV });
    });
    afterAll(async () => {
      await receiver?.stop();
    });

    it('answers a malformed %-escape in the path with a 400 JSON, and no log line holds the path secret', async () => {
      const paths = [
        `/webhooks/hub/${PATH_SECRET}%E0%A4%A`,
        `/webhooks/hub/%E0%A4${PATH_SECRET}`,
        `/webhooks/%E0%A4%A/${PATH_SECRET}`,
        `/webhooks/hub/${PATH_SECRET}/%E0%A4%A`,
      ];
      for (const path of paths) {
        const res = await fetch(receiver.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
        const text = await res.text();
        expect({ path, status: res.status }).toEqual({ path, status: path.endsWith(`/${PATH_SECRET}/%E0%A4%A`) ? 404 : 400 });
        expect(JSON.parse(text)).toEqual({ error: expect.any(String), details: [] });
        expect(text).not.toContain(PATH_SECRET);
      }
      // The receiver logs at debug level here, so anything it writes about these requests is in the file.
      await new Promise((r) => setTimeout(r, 200));
      const log = readFileSync(receiver.logFile, 'utf8');
      expect(log).toContain('webhook receiver listening');
      expect(log).not.toContain(PATH_SECRET);
      expect(log).not.toContain(PATH_SECRET.slice(0, 16));
    });

    it('refuses a request with two Authorization headers, whichever one holds the token', async () => {
      for (const [first, second] of [
        [`Bearer ${WEBHOOK_TOKEN}`, 'Bearer something-else'],
        ['Bearer something-else', `Bearer ${WEBHOOK_TOKEN}`],
        [`Bearer ${WEBHOOK_TOKEN}`, `Bearer ${WEBHOOK_TOKEN}`],
      ]) {
        const digest = `sha256:${'a'.repeat(56)}${String(Math.random()).slice(2, 10).padEnd(8, '0')}`;
        const res = await rawRequest(
          port,
          [
            'POST /webhooks/local HTTP/1.1',
            'host: 127.0.0.1',
            'content-type: application/vnd.docker.distribution.events.v1+json',
            `Authorization: ${first}`,
            `Authorization: ${second}`,
          ],
          distributionBody(digest),
        );
        expect([400, 401]).toContain(res.status);
      }
      expect((await snapshot()).jobs).toEqual([]);
      // The same request with one Authorization header is accepted: the refusal is about the repeat.
      const ok = await rawRequest(
        port,
        [
          'POST /webhooks/local HTTP/1.1',
          'host: 127.0.0.1',
          'content-type: application/vnd.docker.distribution.events.v1+json',
          `Authorization: Bearer ${WEBHOOK_TOKEN}`,
        ],
        distributionBody(`sha256:${'b'.repeat(64)}`),
      );
      expect(ok.status).toBe(202);
      expect((await snapshot()).jobs).toHaveLength(1);
    });
  });
});
