import { randomUUID } from 'node:crypto';
import { pushJobId, type PushJob } from '@signet/queue';
import { pushImage, whileStopped } from '@signet/testing';
import { processPush, type PushJobHandle } from '../src/process-push';
import { CI_BOT, startEnv, type TestEnv } from './env';

/**
 * SignetSignerFailing pages on `signet_signatures_total{result="failed"}` and SignetSignerRetrying warns on
 * `signet_signer_jobs_failed_total{final="false"}`: an attempt that fails and is retried must count only as the
 * latter, against a real registry (stopped, then started) and Redis.
 */
function handle(event: PushJob['event'], attemptsMade: number): PushJobHandle {
  return { id: pushJobId(event), data: { v: 1, event, receivedAt: new Date().toISOString() }, attemptsMade, maxAttempts: 3 };
}

async function samples(env: { metricsRegistry: { getMetricsAsJSON(): Promise<unknown> } }, name: string): Promise<Record<string, number>> {
  const all = (await env.metricsRegistry.getMetricsAsJSON()) as {
    name: string;
    values: { labels: Record<string, string | number>; value: number }[];
  }[];
  const out: Record<string, number> = {};
  for (const v of all.find((m) => m.name === name)?.values ?? []) {
    out[
      Object.entries(v.labels)
        .map(([k, l]) => `${k}=${l}`)
        .join(',')
    ] = v.value;
  }
  return out;
}

describe('signer failure metrics: an attempt retried is not a failure', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await startEnv();
  });
  afterAll(() => env.teardown());

  function event(tag: string, digest: string): PushJob['event'] {
    return {
      kind: 'push',
      registry: 'local',
      repository: 'team/app',
      tag,
      digest,
      actor: CI_BOT.username,
      eventId: randomUUID(),
      occurredAt: new Date().toISOString(),
      source: 'distribution',
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
    };
  }

  it('starts the final-failure counter at 0 for each configured registry, so the first failure is an increase', async () => {
    const r = env.replica();
    expect(await samples(r, 'signet_signatures_total')).toEqual({ 'registry=local,result=failed': 0 });
  });

  it('a job whose first attempt fails (registry down) and whose retry signs counts one non-final failure and no final one', async () => {
    const digest = await pushImage(env.registry.url, 'team/app:retried', CI_BOT);
    const ev = event('retried', digest);
    const r = env.replica({ retries: 0 });
    await whileStopped(env.registry, () => expect(processPush(r.deps, handle(ev, 0))).rejects.toBeInstanceOf(Error));
    expect((await processPush(r.deps, handle(ev, 1))).decision).toBe('signed');
    expect(await samples(r, 'signet_signer_jobs_failed_total')).toEqual({ 'final=false,reason=registry_unavailable': 1 });
    expect(await samples(r, 'signet_signatures_total')).toEqual({ 'registry=local,result=failed': 0, 'registry=local,result=signed': 1 });
  });

  it('the last attempt failing counts as final, once, and as a failed signature', async () => {
    const digest = await pushImage(env.registry.url, 'team/app:lost', CI_BOT);
    const ev = event('lost', digest);
    const r = env.replica({ retries: 0 });
    await whileStopped(env.registry, async () => {
      await expect(processPush(r.deps, handle(ev, 1))).rejects.toBeInstanceOf(Error);
      await expect(processPush(r.deps, handle(ev, 2))).rejects.toBeInstanceOf(Error);
    });
    expect(await samples(r, 'signet_signer_jobs_failed_total')).toEqual({
      'final=false,reason=registry_unavailable': 1,
      'final=true,reason=registry_unavailable': 1,
    });
    expect(await samples(r, 'signet_signatures_total')).toEqual({ 'registry=local,result=failed': 1 });
  });
});
