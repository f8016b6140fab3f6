import { freePort, pushImage, pushIndex, waitFor, type RunningService } from '@signet/testing';
import { CI_BOT, distributionBody, MALLORY, signetCli, startSignerEnv, type SignerEnv } from './signer-env';

describe('signer, receiver and registry as separate processes', () => {
  let env: SignerEnv;
  let receiver: RunningService;
  let replicas: RunningService[];

  beforeAll(async () => {
    const receiverPort = await freePort();
    env = await startSignerEnv({ receiverPort });
    const configFile = env.config({ recursive: true });
    [receiver, ...replicas] = await Promise.all([env.startReceiver(configFile), env.startSigner(configFile), env.startSigner(configFile)]);
  });
  afterAll(() => env?.teardown());

  const decisionsFor = async (digest: string) => (await env.verifyJobs()).filter((j) => j.digest === digest).map((j) => j.decision);

  it("signs ci-bot's pushes so that `signet verify` accepts them, and never signs mallory's", async () => {
    const digest = await pushImage(env.registry.url, 'team/app:1.0.0', CI_BOT);
    const evil = await pushImage(env.registry.url, 'team/app:evil', MALLORY);
    const index = await pushIndex(env.registry.url, 'team/multi:2.0', CI_BOT);
    await waitFor(async () => (await decisionsFor(digest)).includes('signed'), 30_000, 'ci-bot push signed');
    await waitFor(async () => (await decisionsFor(evil)).includes('untrusted'), 30_000, 'mallory push decided');
    await waitFor(async () => (await decisionsFor(index.digest)).includes('signed'), 30_000, 'index signed');

    const ok = await signetCli(['verify', '--key', env.pubKey, '--allow-insecure-registry', `${env.registry.host}/team/app:1.0.0`]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)[0].critical).toMatchObject({
      identity: { 'docker-reference': `${env.registry.host}/team/app:1.0.0` },
      image: { 'docker-manifest-digest': digest },
    });

    expect(await env.layers('team/app', evil)).toBe(0);
    const refused = await signetCli(['verify', '--key', env.pubKey, '--allow-insecure-registry', `${env.registry.host}/team/app:evil`]);
    expect(refused.code).not.toBe(0);
    const evilJob = (await env.verifyJobs()).find((j) => j.digest === evil);
    expect(evilJob).toMatchObject({ decision: 'untrusted', actor: MALLORY.username, tag: 'evil', repository: 'team/app' });

    // recursive: the index and both platform manifests; the children's own by-digest pushes were skipped.
    for (const d of [index.digest, ...index.children]) expect(await env.layers('team/multi', d)).toBe(1);
    for (const child of index.children) expect(await decisionsFor(child)).toEqual([]);

    const metrics = await Promise.all(replicas.map(async (s) => (await fetch(`${s.url}/metrics`)).text()));
    for (const text of metrics) expect(text).toMatch(/signet_signer_key_info\{fingerprint="[0-9a-f]{64}"\} 1/);
    const count = (result: string) =>
      metrics.reduce(
        (n, text) =>
          n + Number(text.match(new RegExp(`signet_signatures_total\\{registry="local",result="${result}"\\} (\\d+)`))?.[1] ?? 0),
        0,
      );
    expect(count('signed')).toBe(2);
    expect(count('untrusted')).toBe(1);
    expect(count('skipped')).toBe(2);
  });

  it('writes exactly one layer when one webhook arrives three times and more events for the digest race on two replicas', async () => {
    const digest = await pushImage(env.registry.url, 'team/app:race', CI_BOT);
    const post = (id: string) =>
      fetch(`${receiver.url}/webhooks/local`, {
        method: 'POST',
        headers: { ...env.webhookAuth, 'content-type': 'application/vnd.docker.distribution.events.v1+json' },
        body: distributionBody({ id, repository: 'team/app', tag: 'race', digest, actor: CI_BOT.username }),
      });
    const responses = await Promise.all([post('same'), post('same'), post('same'), post('other-1'), post('other-2'), post('other-3')]);
    expect(responses.map((r) => r.status)).toEqual([202, 202, 202, 202, 202, 202]);

    // The registry's own notification, the thrice-delivered one, and three more: five push jobs.
    await waitFor(async () => (await decisionsFor(digest)).length >= 5, 30_000, 'five decisions');
    const states = ['waiting', 'active', 'delayed', 'completed', 'failed'] as const;
    const pushJobs = (await env.pushQueue.getJobs([...states])).filter((j) => j.data.event.digest === digest);
    expect(pushJobs).toHaveLength(5);
    const decisions = (await decisionsFor(digest)).sort();
    expect(decisions).toEqual(['already-signed', 'already-signed', 'already-signed', 'already-signed', 'signed']);
    expect(await env.layers('team/app', digest)).toBe(1);
  });
});
