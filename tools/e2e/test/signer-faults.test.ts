import { pushImage, sleep, waitFor } from '@signet/testing';
import { CI_BOT, startDelayingProxy, startSignerEnv, type SignerEnv } from './signer-env';

// Short BullMQ lock and stall check so a killed replica's job is taken over within seconds.
const FAST_RECOVERY = { lockDuration: '1500ms', stalledInterval: '500ms', digestLockTtl: '3s' };

describe('signer under failures (processes, real registry and Redis)', () => {
  let env: SignerEnv;
  let proxy: { url: string; close(): Promise<void> };

  beforeAll(async () => {
    env = await startSignerEnv();
    // Every request to the registry takes 300 ms more: a job spends seconds in flight.
    proxy = await startDelayingProxy(env.registry.url, 300);
  });
  afterAll(async () => {
    await proxy?.close();
    await env?.teardown();
  });

  const stateOf = async (id: string) => (await env.pushQueue.getJob(id))?.getState();

  it('lets another replica finish a job whose signer was SIGKILLed mid-job, with exactly one layer', async () => {
    const configFile = env.config({ ...FAST_RECOVERY, concurrency: 1 }, proxy.url);
    const doomed = await env.startSigner(configFile);
    const digest = await pushImage(env.registry.url, 'team/app:killed', CI_BOT);
    const id = await env.enqueuePush({ repository: 'team/app', tag: 'killed', digest });
    await waitFor(async () => (await stateOf(id)) === 'active', 15_000, 'job active');
    await sleep(900);
    await doomed.kill();
    expect(await stateOf(id)).toBe('active');
    await sleep(2000);
    // Nobody else is running: the job is still unfinished (stalled, or back in the wait list).
    expect(await stateOf(id)).not.toBe('completed');

    const survivor = await env.startSigner(configFile);
    await waitFor(async () => (await stateOf(id)) === 'completed', 30_000, 'job completed by the second replica');
    expect(await env.layers('team/app', digest)).toBe(1);
    const decisions = (await env.verifyJobs()).filter((j) => j.digest === digest).map((j) => j.decision);
    expect(decisions).toHaveLength(1);
    expect(['signed', 'already-signed']).toContain(decisions[0]);
    await survivor.stop();
  });

  it('finishes the running job before exiting on SIGTERM', async () => {
    const signer = await env.startSigner(env.config({ concurrency: 1 }, proxy.url));
    const digest = await pushImage(env.registry.url, 'team/app:graceful', CI_BOT);
    const id = await env.enqueuePush({ repository: 'team/app', tag: 'graceful', digest });
    await waitFor(async () => (await stateOf(id)) === 'active', 15_000, 'job active');
    // Into the job's registry requests (each delayed 300 ms), well before it can be done.
    await sleep(700);
    expect(await env.layers('team/app', digest)).toBe(0);
    await signer.stop();
    expect(signer.process.child.exitCode).toBe(0);
    expect(await stateOf(id)).toBe('completed');
    expect(await env.layers('team/app', digest)).toBe(1);
  });

  it('completes every job of a 30-push burst after the registry comes back from a 10 s outage', async () => {
    const signer = await env.startSigner(env.config({ concurrency: 4 }));
    const tags = Array.from({ length: 30 }, (_, i) => `burst-${i}`);
    const digests: string[] = [];
    for (const tag of tags) digests.push(await pushImage(env.registry.url, `team/burst:${tag}`, CI_BOT));
    const ids: string[] = [];
    for (const [i, tag] of tags.entries()) {
      ids.push(await env.enqueuePush({ repository: 'team/burst', tag, digest: digests[i]! }));
      if (i === 4) await env.registry.stop();
    }
    await sleep(10_000);
    expect((await Promise.all(ids.map(stateOf))).filter((s) => s !== 'completed').length).toBeGreaterThan(0);
    await env.registry.start();

    await waitFor(async () => (await Promise.all(ids.map(stateOf))).every((s) => s === 'completed'), 45_000, 'every burst job completed');
    const decisions = (await env.verifyJobs()).filter((j) => j.repository === 'team/burst');
    expect(decisions).toHaveLength(30);
    expect(decisions.every((d) => d.decision === 'signed')).toBe(true);
    for (const digest of digests) expect(await env.layers('team/burst', digest)).toBe(1);
    const metrics = await (await fetch(`${signer.url}/metrics`)).text();
    expect(metrics).toMatch(/signet_signer_jobs_failed_total\{final="false",reason="registry_unavailable"\} [1-9]/);
    // Every job was retried and then signed: attempts failed, no job did (SignetSignerFailing stays silent).
    expect(metrics).not.toMatch(/signet_signer_jobs_failed_total\{final="true"/);
    expect(metrics).toMatch(/signet_signatures_total\{registry="[^"]+",result="failed"\} 0\n/);
    await signer.stop();
  });
});
