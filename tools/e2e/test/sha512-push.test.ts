// A push event naming a sha512 digest, through the receiver, signer and verifier as processes against the real
// Redis and Distribution registry. The receiver accepts sha512 (the OCI digest grammar); the push-job schema once
// accepted only sha256, so the signer failed the job for good before deciding anything, sent no verify job, and
// the push vanished without a verdict.
import { createHash } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { buildRandomImage, freePort, pushImage, startService, waitFor, type RunningService } from '@signet/testing';
import { CI_BOT, distributionBody, startSignerEnv, type SignerEnv } from './signer-env';

describe('a push event naming a sha512 digest', () => {
  let env: SignerEnv;
  let receiver: RunningService;

  beforeAll(async () => {
    env = await startSignerEnv();
    const configFile = env.config();
    // The verifier judges what the signer hands on; its keys are the signer's.
    appendFileSync(configFile, `verifier:\n  keys: [${JSON.stringify(env.pubKey)}]\n  rescan: { every: 1h }\n  gracePeriod: 30s\n`);
    [receiver] = await Promise.all([env.startReceiver(configFile), env.startSigner(configFile)]);
    await startVerifier(configFile);
  });
  afterAll(() => env?.teardown());

  async function startVerifier(configFile: string): Promise<void> {
    const verifier = await startService('verifier', {
      configFile,
      port: await freePort(),
      env: { REGISTRY_PASSWORD: CI_BOT.password, LOG_LEVEL: 'info' },
    });
    // Stopped with the rest: the env's teardown kills only what it started.
    const teardown = env.teardown.bind(env);
    env.teardown = async () => {
      await verifier.kill();
      await teardown();
    };
  }

  it('is decided by the signer and judged by the verifier, never dropped (Distribution 2.8 has no sha512 manifests)', async () => {
    const image = buildRandomImage('team/app:v512');
    const sha256 = await pushImage(env.registry.url, 'team/app:v512', CI_BOT, image);
    const sha512 = `sha512:${createHash('sha512').update(image.manifest).digest('hex')}`;

    // What Distribution 2.8 does with sha512, found against the real registry: a manifest cannot be stored
    // under it (DIGEST_INVALID) nor read by it (MANIFEST_UNKNOWN), so a sha512 digest can never be signed there.
    const auth = { Authorization: `Basic ${Buffer.from(`${CI_BOT.username}:${CI_BOT.password}`).toString('base64')}` };
    const put = await fetch(`${env.registry.url}/v2/team/app/manifests/${sha512}`, {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
      body: image.manifest,
    });
    expect(put.status).toBe(400);
    expect(await put.text()).toContain('DIGEST_INVALID');
    const get = await fetch(`${env.registry.url}/v2/team/app/manifests/${sha512}`, {
      headers: { ...auth, accept: 'application/vnd.oci.image.manifest.v1+json' },
    });
    expect(get.status).toBe(404);

    const res = await fetch(`${receiver.url}/webhooks/local`, {
      method: 'POST',
      headers: { ...env.webhookAuth, 'content-type': 'application/vnd.docker.distribution.events.v1+json' },
      body: distributionBody({ id: 'sha512-push', repository: 'team/app', tag: 'v512', digest: sha512, actor: CI_BOT.username }),
    });
    expect(res.status).toBe(202);

    // The signer decides: the registry cannot serve the digest, so the decision is `failed`, handed on.
    await waitFor(
      async () => (await env.verifyJobs()).some((j) => j.digest === sha512 && 'decision' in j),
      30_000,
      'a verify job for the sha512 push',
    );
    // The verifier's own look-again job for the same digest (no decision) may already be queued beside it: only the signer's counts.
    const handedOn = (await env.verifyJobs()).filter((j) => j.digest === sha512 && 'decision' in j);
    expect(handedOn).toHaveLength(1);
    expect(handedOn[0]).toMatchObject({ decision: 'failed', repository: 'team/app', tag: 'v512', actor: CI_BOT.username });
    const [pushJob] = (await env.pushQueue.getJobs(['completed', 'failed'])).filter((j) => j.data.event.digest === sha512);
    expect(pushJob?.failedReason ?? '').not.toMatch(/invalid job data|INVALID_JOB/);
    expect(await env.layers('team/app', sha256)).toBe(0);

    // The verifier judges what was named (no signature can exist for it) and then looks at the tag again,
    // judging the manifest the tag really shows: a recorded verdict in both places rather than silence.
    const done = async (match: (data: Record<string, unknown>) => boolean) =>
      (await env.verifyQueue.getJobs(['completed', 'failed'])).find((j) => match(j.data as Record<string, unknown>));
    await waitFor(
      async () => (await done((d) => d.digest === sha512 && d.decision === 'failed')) !== undefined,
      30_000,
      'the verifier judged the sha512 push',
    );
    const judged = await done((d) => d.digest === sha512 && d.decision === 'failed');
    expect(judged?.failedReason).toBeUndefined();
    expect(judged?.returnvalue).toMatchObject({ kind: 'checked', state: { digest: sha512, verdict: 'unsigned' } });
    await waitFor(
      async () => (await done((d) => d.digest === sha512 && d.lookAgain === true)) !== undefined,
      30_000,
      'the look-again at the tag',
    );
    const lookAgain = await done((d) => d.digest === sha512 && d.lookAgain === true);
    expect(lookAgain?.failedReason).toBeUndefined();
    // No decision exists for the sha256 manifest the tag shows: pending for the grace period, then a violation.
    expect(lookAgain?.returnvalue).toMatchObject({ kind: 'checked', state: { digest: sha256, verdict: 'pending' } });
  });
});
