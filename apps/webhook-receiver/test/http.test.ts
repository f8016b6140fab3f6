import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { sharedDir, startRedis, type RedisServer } from '@signet/testing';
import type { RunningReceiver } from '../src/service';
import { credentialsFor, GITHUB_SECRET, pushJobs, startTestReceiver, TOKEN } from './helpers';

const fixture = (p: string) => readFileSync(sharedDir('fixtures', 'webhooks', p));
const DIGEST = fixture('DIGEST').toString().trim();
const DIST_TYPE = 'application/vnd.docker.distribution.events.v1+json';

describe('webhook HTTP API', () => {
  let redis: RedisServer;
  let receiver: RunningReceiver;
  beforeAll(async () => {
    redis = await startRedis();
    receiver = await startTestReceiver(redis.url, { bodyLimit: '64kb' });
  });
  afterAll(async () => {
    await receiver?.close();
    await redis?.teardown();
  });
  beforeEach(async () => {
    await receiver.queue.obliterate({ force: true });
  });

  const post = (name: string, body: Buffer | string, headers: Record<string, string> = {}, path = credentialsFor(name).path) =>
    fetch(`${receiver.url}/webhooks/${name}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...credentialsFor(name).headers, ...headers },
      body,
    });

  const cases: Array<
    [string, string, Record<string, string>, Array<{ repository: string; tag?: string; digest?: string; actor?: string }>]
  > = [
    [
      'distribution',
      'distribution/manifest-push.real.json',
      { 'content-type': DIST_TYPE },
      [{ repository: expect.any(String) as unknown as string }],
    ],
    ['harbor', 'harbor/push-artifact.json', {}, [{ repository: 'team/app', tag: '1.0.0', digest: DIGEST, actor: 'ci-bot' }]],
    ['dockerhub', 'dockerhub/push.json', {}, [{ repository: 'org/app', tag: '1.0.0', actor: 'ci-bot' }]],
    ['acr', 'acr/push.json', {}, [{ repository: 'team/app', tag: '1.0.0', digest: DIGEST }]],
    [
      'quay',
      'quay/repo-push.json',
      {},
      [
        { repository: 'team/app', tag: '1.0.0' },
        { repository: 'team/app', tag: 'latest' },
      ],
    ],
    ['ecr', 'ecr/image-push.json', {}, [{ repository: 'team/app', tag: '1.0.0', digest: DIGEST }]],
    ['gar', 'gar/pubsub-push.json', {}, [{ repository: 'repo/app', tag: '1.0.0', digest: DIGEST }]],
    ['artifactory', 'artifactory/docker-pushed.json', {}, [{ repository: 'team/app', tag: '1.0.0', digest: DIGEST }]],
  ];

  it.each(cases)('queues the %s fixture as the push it names', async (name, file, headers, expected) => {
    const res = await post(name, fixture(file), headers);
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ accepted: expected.length, duplicates: 0 });
    const events = (await pushJobs(redis.url)).map((j) => j.event).sort((a, b) => (a.tag ?? '').localeCompare(b.tag ?? ''));
    expect(events).toHaveLength(expected.length);
    expected.forEach((e, i) => expect(events[i]).toMatchObject({ kind: 'push', registry: 'local', ...e }));
  });

  it('verifies the GitHub HMAC over the raw body and rejects a wrong one', async () => {
    const body = fixture('github/registry-package-published.json');
    // The fixture's own signature uses a 14-byte secret, shorter than the receiver accepts: sign it again.
    const sig = 'sha256=' + createHmac('sha256', GITHUB_SECRET).update(body).digest('hex');
    const headers = { 'x-github-event': 'registry_package', 'x-github-delivery': 'd-1' };
    expect((await post('github', body, { ...headers, 'x-hub-signature-256': sig })).status).toBe(202);
    const wrong = await post('github', body, { ...headers, 'x-hub-signature-256': 'sha256=' + '0'.repeat(64) });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: expect.stringContaining('unauthorized') });
    const flipped = Buffer.from(body);
    flipped[10] = flipped[10]! ^ 1;
    expect((await post('github', flipped, { ...headers, 'x-hub-signature-256': sig })).status).toBe(401);
    const events = (await pushJobs(redis.url)).map((j) => j.event);
    expect(events).toEqual([expect.objectContaining({ repository: 'org/app', tag: '1.0.0', digest: DIGEST, actor: 'ci-bot' })]);
  });

  it('answers a redelivered event with a duplicate and queues it once', async () => {
    const body = fixture('distribution/manifest-push.real.json');
    const a = await (await post('distribution', body, { 'content-type': DIST_TYPE })).json();
    const b = await (await post('distribution', body, { 'content-type': DIST_TYPE })).json();
    expect(a).toEqual({ accepted: 1, duplicates: 0, ignored: 0 });
    expect(b).toEqual({ accepted: 0, duplicates: 1, ignored: 0 });
    expect(await pushJobs(redis.url)).toHaveLength(1);
  });

  it('counts one acceptance among concurrent redeliveries, and queues the job with the retry options', async () => {
    const body = fixture('distribution/manifest-push.real.json');
    const answers = await Promise.all(
      Array.from(
        { length: 12 },
        async () =>
          (await post('distribution', body, { 'content-type': DIST_TYPE })).json() as Promise<{ accepted: number; duplicates: number }>,
      ),
    );
    expect(answers.reduce((n, a) => n + a.accepted, 0)).toBe(1);
    expect(answers.reduce((n, a) => n + a.duplicates, 0)).toBe(11);
    const [job] = await receiver.queue.getJobs(['waiting']);
    expect(await receiver.queue.getJobCountByTypes('waiting')).toBe(1);
    expect(job?.opts).toMatchObject({ attempts: 8, backoff: { type: 'exponential', delay: 1000 } });
    expect(job?.id).toMatch(/^push-[0-9a-f]{64}$/);
  });

  it('counts an event repeated inside one body once', async () => {
    const envelope = JSON.parse(fixture('distribution/manifest-push.real.json').toString()) as { events: unknown[] };
    const twice = JSON.stringify({ events: [envelope.events[0], envelope.events[0]] });
    const res = await post('distribution', twice, { 'content-type': DIST_TYPE });
    expect(await res.json()).toEqual({ accepted: 1, duplicates: 1, ignored: 0 });
    expect(await pushJobs(redis.url)).toHaveLength(1);
  });

  it("ignores blob pushes and Signet's own signature pushes", async () => {
    for (const f of ['distribution/blob-push.real.json', 'distribution/sig-manifest-push.real.json']) {
      const res = await post('distribution', fixture(f), { 'content-type': DIST_TYPE });
      expect(res.status).toBe(202);
      expect(await res.json()).toEqual({ accepted: 0, duplicates: 0, ignored: 1 });
    }
    expect(await pushJobs(redis.url)).toHaveLength(0);
  });

  it('passes deletes on for the verifier', async () => {
    const res = await post('distribution', fixture('distribution/tag-delete.real.json'), { 'content-type': DIST_TYPE });
    expect(res.status).toBe(202);
    expect((await pushJobs(redis.url)).map((j) => j.event.kind)).toEqual(['delete']);
  });

  it('rejects bad input with a 4xx and a JSON reason', async () => {
    const body = fixture('distribution/manifest-push.real.json');
    const cases: Array<[Promise<Response>, number, RegExp]> = [
      [post('nope', body), 404, /no webhook named "nope"/],
      [post('distribution', body, { authorization: 'Bearer wrong' }), 401, /unauthorized/],
      [post('distribution', body, { authorization: '' }), 401, /unauthorized/],
      [post('dockerhub', fixture('dockerhub/push.json'), {}, '/wrong-secret'), 401, /unauthorized/],
      [post('distribution', body, { 'content-type': 'text/plain' }), 415, /unsupported content type/],
      [post('distribution', '{"events": [', { 'content-type': DIST_TYPE }), 400, /./],
      [post('distribution', '{"events": [{"action": 7}]}', { 'content-type': DIST_TYPE }), 400, /./],
      [post('distribution', Buffer.alloc(100 * 1024, 0x20), { 'content-type': DIST_TYPE }), 413, /too large/],
    ];
    for (const [pending, status, error] of cases) {
      const res = await pending;
      expect(res.status).toBe(status);
      const json = (await res.json()) as { error: string; details: unknown[] };
      expect(json.error).toMatch(error);
      expect(Array.isArray(json.details)).toBe(true);
    }
    const bad = (await (await post('distribution', '{"events": [{"action": 7}]}', { 'content-type': DIST_TYPE })).json()) as {
      details: Array<{ path: string }>;
    };
    expect(bad.details.length).toBeGreaterThan(0);
    expect(bad.details[0]?.path).toMatch(/^events\.0/);
    expect(await pushJobs(redis.url)).toHaveLength(0);
  });

  it('counts authentication failures and events in /metrics', async () => {
    await post('acr', fixture('acr/push.json'), { 'x-signet-token': 'nope' });
    const text = await (await fetch(`${receiver.ops.url}/metrics`)).text();
    expect(text).toMatch(/signet_webhook_auth_failures_total\{webhook="acr"\} [1-9]/);
    expect(text).toMatch(/signet_webhook_events_total\{webhook="harbor",source="harbor",result="accepted"\} 1/);
    expect(text).toContain('signet_webhook_request_duration_seconds_bucket');
    expect(text).toContain('signet_queue_add_duration_seconds_count');
  });

  it('reports health and readiness on the ops port', async () => {
    expect((await fetch(`${receiver.ops.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${receiver.ops.url}/readyz`)).status).toBe(200);
  });

  it('answers a malformed %-escape in a path secret with a 400 JSON that does not quote it', async () => {
    for (const path of [`/${TOKEN}%E0%A4%A`, `/%E0%A4${TOKEN}`]) {
      const res = await post('dockerhub', fixture('dockerhub/push.json'), {}, path);
      expect(res.status).toBe(400);
      const text = await res.text();
      expect(JSON.parse(text)).toEqual({ error: 'malformed %-escape in the request path', details: [] });
      expect(text).not.toContain(TOKEN);
    }
    expect(await pushJobs(redis.url)).toHaveLength(0);
  });

  it('keeps TOKEN out of error answers', async () => {
    const res = await post('distribution', 'x', { 'content-type': DIST_TYPE });
    expect(await res.text()).not.toContain(TOKEN);
  });
});
