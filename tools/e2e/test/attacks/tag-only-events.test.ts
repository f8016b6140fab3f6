// Attack: a webhook that names only a tag (Docker Hub, Quay, ...) is resolved when the signer job runs. If
// mallory overwrites the tag in between, the trusted pusher's event would get mallory's digest signed.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, makeTempDir, pushImage, sharedDir, startService, waitFor, type RunningService } from '@signet/testing';
import { parse, stringify } from 'yaml';
import { metricLines, sumOf } from '../metrics';
import { CI_BOT, MALLORY, startSignerEnv, type SignerEnv } from '../signer-env';

/** A Docker Hub push webhook (the shared fixture) for `repository:tag` by `pusher`: it names no digest. */
function hubBody(repository: string, tag: string, pusher: string): string {
  const body = JSON.parse(readFileSync(join(sharedDir(), 'fixtures/webhooks/dockerhub/push.json'), 'utf8'));
  const [namespace, name] = repository.split('/');
  body.push_data = { ...body.push_data, pusher, tag, pushed_at: Math.floor(Date.now() / 1000) };
  body.repository = { ...body.repository, repo_name: repository, namespace, name };
  return JSON.stringify(body);
}

describe('tag-only webhook events (Docker Hub) with signer and receiver as processes', () => {
  // Docker Hub authenticates nothing: the receiver's only check is a secret in the URL path.
  const secret = randomBytes(24).toString('hex');
  let env: SignerEnv;
  let signer: RunningService;
  let receiver: RunningService;
  let verifier: RunningService | undefined;

  beforeAll(async () => {
    env = await startSignerEnv();
    const secretFile = join(makeTempDir('hub-secret'), 'secret');
    writeFileSync(secretFile, secret, { mode: 0o600 });
    const configFile = env.config({
      trust: [
        { registry: 'local', repositories: ['team/*'], actors: [CI_BOT.username] },
        { registry: 'local', repositories: ['optin/*'], actors: [CI_BOT.username], signTagOnlyEvents: true },
      ],
    });
    const config = parse(readFileSync(configFile, 'utf8'));
    config.webhooks = [{ name: 'hub', source: 'dockerhub', registry: 'local', auth: { type: 'path-secret', secretFile } }];
    // A grace period far longer than the test: only a signer decision can settle a new digest in time.
    config.verifier = { keys: [env.pubKey], gracePeriod: '10m', rescan: { every: '1h' } };
    writeFileSync(configFile, stringify(config));
    [signer, receiver, verifier] = await Promise.all([
      env.startSigner(configFile),
      env.startReceiver(configFile),
      startService('verifier', { configFile, port: await freePort(), env: { REGISTRY_PASSWORD: CI_BOT.password } }),
    ]);
  });
  afterAll(async () => {
    await verifier?.kill();
    await env?.teardown();
  });

  const hubWebhook = async (repository: string, tag: string, pusher: string) => {
    const res = await fetch(`${receiver.url}/webhooks/hub/${secret}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: hubBody(repository, tag, pusher),
    });
    expect(res.status).toBe(202);
  };
  const verifyJobFor = async (repository: string, tag: string) => {
    await waitFor(
      async () => (await env.verifyJobs()).some((j) => j.repository === repository && j.tag === tag),
      30_000,
      `verify job for ${repository}:${tag}`,
    );
    return (await env.verifyJobs()).filter((j) => j.repository === repository && j.tag === tag);
  };
  const signatureTags = async (repository: string) => {
    const auth = Buffer.from(`${CI_BOT.username}:${CI_BOT.password}`).toString('base64');
    const res = await fetch(`${env.registry.url}/v2/${repository}/tags/list`, { headers: { authorization: `Basic ${auth}` } });
    const { tags } = (await res.json()) as { tags: string[] };
    return tags.filter((t) => t.endsWith('.sig'));
  };
  const signerCount = async (result: string) => sumOf(await metricLines(signer, 'signet_signatures_total'), `result="${result}"`);

  it("never signs mallory's overwrite on the strength of ci-bot's tag-only webhook, and tells the verifier why", async () => {
    const good = await pushImage(env.registry.url, 'team/app:1', CI_BOT);
    const evil = await pushImage(env.registry.url, 'team/app:1', MALLORY);
    // The Hub delivers ci-bot's push after mallory's overwrite: at job time the tag resolves to `evil`.
    await hubWebhook('team/app', '1', CI_BOT.username);

    const [job, ...more] = await verifyJobFor('team/app', '1');
    expect(more).toEqual([]);
    expect(job).toMatchObject({ decision: 'unverifiable', digest: evil, actor: CI_BOT.username });
    expect(await env.layers('team/app', evil)).toBe(0);
    expect(await env.layers('team/app', good)).toBe(0);
    expect(await signatureTags('team/app')).toEqual([]);
    expect(await signerCount('unverifiable')).toBe(1);
    expect(await signerCount('signed')).toBe(0);
  });

  it('lets the verifier flag the overwrite of a signed tag at once, long before its grace period ends', async () => {
    const good = await pushImage(env.registry.url, 'team/app:2', CI_BOT);
    // ci-bot's push as a digest-naming event (a Distribution notification would do): signed and judged.
    await env.enqueuePush({ repository: 'team/app', tag: '2', digest: good });
    await waitFor(
      async () =>
        (await env.verifyQueue.getJobs(['completed'])).some(
          (j) => j.data.digest === good && 'decision' in j.data && j.data.decision === 'signed',
        ),
      30_000,
      'signed digest judged',
    );
    const evil = await pushImage(env.registry.url, 'team/app:2', MALLORY);
    await hubWebhook('team/app', '2', CI_BOT.username);

    const violation = async () =>
      (await metricLines(verifier!, 'signet_tag_violation')).find((l) => l.includes('tag="2"') && l.includes(evil));
    await waitFor(async () => (await violation())?.endsWith(' 1') === true, 15_000, "the violation for mallory's digest");
    expect((await verifyJobFor('team/app', '2')).map((j) => [j.decision, j.digest]).sort()).toEqual([
      ['signed', good],
      ['unverifiable', evil],
    ]);
    expect(await env.layers('team/app', evil)).toBe(0);
  });

  it('signs a tag-only push where the trust rule opts in with signTagOnlyEvents', async () => {
    const digest = await pushImage(env.registry.url, 'optin/app:1', CI_BOT);
    await hubWebhook('optin/app', '1', CI_BOT.username);

    const [job] = await verifyJobFor('optin/app', '1');
    expect(job).toMatchObject({ decision: 'signed', digest, actor: CI_BOT.username });
    expect(await env.layers('optin/app', digest)).toBe(1);
    expect(await signatureTags('optin/app')).toEqual([`sha256-${digest.slice(7)}.sig`]);
  });

  it('the opt-in keeps the documented risk: an overwrite before the job runs is signed', async () => {
    await pushImage(env.registry.url, 'optin/app:2', CI_BOT);
    const evil = await pushImage(env.registry.url, 'optin/app:2', MALLORY);
    await hubWebhook('optin/app', '2', CI_BOT.username);

    const [job] = await verifyJobFor('optin/app', '2');
    expect(job).toMatchObject({ decision: 'signed', digest: evil });
    expect(await env.layers('optin/app', evil)).toBe(1);
  });

  it('never signs a tag-only push by an untrusted pusher, even where the rule opts in', async () => {
    const evil = await pushImage(env.registry.url, 'optin/app:3', MALLORY);
    await hubWebhook('optin/app', '3', MALLORY.username);

    const [job] = await verifyJobFor('optin/app', '3');
    expect(job).toMatchObject({ decision: 'untrusted', actor: MALLORY.username });
    expect(await env.layers('optin/app', evil)).toBe(0);
  });
});
