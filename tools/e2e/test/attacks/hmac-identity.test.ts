// Attacks on identity under HMAC-signed webhooks, against the receiver running as its own process and real Redis.
// An HMAC covers the body bytes only: whoever captures one signed request (mallory, who can push and can reach the
// receiver's port) may resend those bytes with any headers. Nothing outside the body may say who pushed, what
// happened or which delivery it was.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRedisConnection, openPushQueue, type PushJob } from '@signet/queue';
import { freePort, sharedDir, startRedis, startService, writeConfigFile, type RedisServer, type RunningService } from '@signet/testing';

const SECRET = 'hmac-secret-for-attacks';
const DIGEST = readFileSync(sharedDir('fixtures', 'webhooks', 'DIGEST'), 'utf8').trim();
const HOUR = 3600_000;

const sign = (body: Buffer) => 'sha256=' + createHmac('sha256', SECRET).update(body).digest('hex');
const hmacHook = (name: string, source: string, extra: Record<string, unknown> = {}) => ({
  name,
  source,
  registry: 'local',
  auth: { type: 'hmac-sha256', secretEnv: 'HOOK_SECRET' },
  ...extra,
});

/** Harbor's event data (as in its CloudEvents format): one resource pushed to team/app:1.0.0. */
const harborData = () => ({
  resources: [{ digest: DIGEST, tag: '1.0.0', resource_url: 'harbor.test/team/app:1.0.0' }],
  repository: { name: 'app', namespace: 'team', repo_full_name: 'team/app', repo_type: 'private' },
});

/** A GitHub registry_package delivery body whose version was published at `at`. */
const githubBody = (at: Date, actor = 'ci-bot') =>
  Buffer.from(
    JSON.stringify({
      action: 'published',
      registry_package: {
        name: 'app',
        namespace: 'org',
        package_type: 'CONTAINER',
        created_at: new Date(at.getTime() - 30 * 24 * HOUR).toISOString(),
        updated_at: at.toISOString(),
        package_version: {
          version: DIGEST,
          created_at: at.toISOString(),
          updated_at: at.toISOString(),
          container_metadata: { tag: { name: '1.0.0', digest: DIGEST } },
        },
      },
      sender: { login: actor },
    }),
  );

describe('attack: identity outside the HMAC-signed bytes', () => {
  let redis: RedisServer;
  let receiver: RunningService;
  let connection: ReturnType<typeof createRedisConnection>;
  let queue: ReturnType<typeof openPushQueue>;

  beforeAll(async () => {
    redis = await startRedis();
    const configFile = writeConfigFile({
      redis: { url: redis.url },
      registries: [{ name: 'local', url: 'http://127.0.0.1:5000' }],
      webhooks: [
        hmacHook('harbor', 'harbor'),
        hmacHook('cloudevents', 'cloudevents'),
        hmacHook('github', 'github'),
        hmacHook('github-no-window', 'github', { maxEventAge: 0 }),
      ],
      receiver: { host: '127.0.0.1' },
    });
    receiver = await startService('webhook-receiver', { configFile, port: await freePort(), env: { HOOK_SECRET: SECRET } });
    connection = createRedisConnection({ url: redis.url, role: 'producer' });
    queue = openPushQueue(connection, '{signet}');
  });
  afterAll(async () => {
    await receiver?.kill();
    await queue?.close();
    connection?.disconnect();
    await redis?.teardown();
  });
  beforeEach(async () => {
    await queue.obliterate({ force: true });
  });

  const post = (hook: string, body: Buffer, headers: Record<string, string>) =>
    fetch(`${receiver.url}/webhooks/${hook}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(body), ...headers },
      body,
    });
  const queued = async (): Promise<PushJob['event'][]> =>
    (await queue.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized'])).map((j) => j.data.event);

  /** Binary-mode CloudEvent headers for a push by `operator`. */
  const ceHeaders = (id: string, type: string, operator: string) => ({
    'ce-specversion': '1.0',
    'ce-id': id,
    'ce-type': type,
    'ce-source': '/projects/1/webhook/policies/1',
    'ce-time': new Date().toISOString(),
    'ce-operator': operator,
  });

  it('(1) never queues a signed Harbor push by mallory as ci-bot when ce-operator is rewritten', async () => {
    const body = Buffer.from(JSON.stringify(harborData()));
    const original = await post('harbor', body, ceHeaders('h-1', 'harbor.artifact.pushed', 'mallory'));
    const replay = await post('harbor', body, ceHeaders('h-2', 'harbor.artifact.pushed', 'ci-bot'));
    // Binary mode puts the operator, id and type in headers the HMAC does not cover: refused with a reason.
    for (const res of [original, replay]) {
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(/binary mode/i);
    }
    expect(await queued()).toEqual([]);
  });

  it('(1) reads the operator of a signed structured Harbor CloudEvent from the body, whatever headers are added', async () => {
    const event = {
      specversion: '1.0',
      id: 'h-3',
      type: 'harbor.artifact.pushed',
      source: '/p',
      time: new Date().toISOString(),
      operator: 'mallory',
      data: harborData(),
    };
    const body = Buffer.from(JSON.stringify(event));
    const res = await post('harbor', body, { 'content-type': 'application/cloudevents+json', 'ce-operator': 'ci-bot', 'ce-id': 'h-4' });
    expect(res.status).toBe(202);
    expect(await queued()).toEqual([expect.objectContaining({ repository: 'team/app', digest: DIGEST, actor: 'mallory', eventId: 'h-3' })]);
  });

  it('(2) does not trust a captured binary-mode CloudEvent whose ce-operator, ce-id or ce-type was changed', async () => {
    const harborBody = Buffer.from(JSON.stringify(harborData()));
    const operatorSwap = await post('cloudevents', harborBody, ceHeaders('c-2', 'harbor.artifact.pushed', 'ci-bot'));
    // ci-bot deleted the digest; mallory resends that signed request as an update, to have it signed as ci-bot's.
    const deleted = Buffer.from(JSON.stringify({ name: 'team/app', reference: DIGEST, actor: { name: 'ci-bot' } }));
    const typeSwap = await post('cloudevents', deleted, ceHeaders('c-3', 'zotregistry.image.updated', 'ci-bot'));
    for (const res of [operatorSwap, typeSwap]) {
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({
        error: expect.stringMatching(/binary mode/i),
        details: [expect.objectContaining({ path: 'headers.ce-specversion' })],
      });
    }
    expect(await queued()).toEqual([]);
  });

  it('(3) counts a GitHub delivery resent under a new X-GitHub-Delivery id as a duplicate', async () => {
    const body = githubBody(new Date());
    const first = await post('github', body, { 'x-github-event': 'registry_package', 'x-github-delivery': 'delivery-1' });
    expect(first.status).toBe(202);
    expect(await first.json()).toEqual({ accepted: 1, duplicates: 0, ignored: 0 });
    const replay = await post('github', body, { 'x-github-event': 'registry_package', 'x-github-delivery': 'delivery-2' });
    expect(replay.status).toBe(202);
    expect(await replay.json()).toEqual({ accepted: 0, duplicates: 1, ignored: 0 });
    expect(await queued()).toEqual([expect.objectContaining({ repository: 'org/app', digest: DIGEST, actor: 'ci-bot' })]);
  });

  it('(4) refuses a GitHub delivery older than the window (default 24 h) and queues nothing', async () => {
    const old = githubBody(new Date(Date.now() - 25 * HOUR));
    const res = await post('github', old, { 'x-github-event': 'registry_package', 'x-github-delivery': 'delivery-3' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: expect.stringMatching(/older than/),
      details: [expect.objectContaining({ path: 'registry_package.package_version.updated_at' })],
    });
    // A signed body with no time at all cannot show it is recent.
    const undated = readFileSync(sharedDir('fixtures', 'webhooks', 'github', 'registry-package-published.json'));
    const noTime = await post('github', undated, { 'x-github-event': 'registry_package', 'x-github-delivery': 'delivery-4' });
    expect(noTime.status).toBe(400);
    expect(await noTime.json()).toMatchObject({ error: expect.stringMatching(/no time/) });
    expect(await queued()).toEqual([]);
    const metrics = await (await fetch(`${receiver.opsUrl}/metrics`)).text();
    expect(metrics).toMatch(/signet_webhook_requests_total\{webhook="github",status="400"\} 2/);
  });

  it('(4) accepts the same old delivery where the window is turned off (maxEventAge: 0)', async () => {
    const old = githubBody(new Date(Date.now() - 25 * HOUR));
    const res = await post('github-no-window', old, { 'x-github-event': 'registry_package', 'x-github-delivery': 'delivery-5' });
    expect(res.status).toBe(202);
    expect(await queued()).toHaveLength(1);
  });
});
