import { waitFor } from '@signet/testing';
import { ScanProgress, TagStore } from '@signet/verification';
import { startVerifier, type RunningVerifier } from '../src/service';
import { CI_BOT, metricValue, silentLogger, startEnv, type TestEnv } from './env';

/**
 * The schedule's first full rescan runs at once. Let it finish, so it cannot interleave with the steps of a
 * test (a scan that listed a tag before the test changed it would store what it saw then).
 */
export async function firstRescanDone(v: RunningVerifier): Promise<void> {
  await waitFor(
    async () => {
      const c = await v.rescanQueue.getJobCounts('completed', 'active', 'wait', 'prioritized');
      return (c.completed ?? 0) > 0 && (c.active ?? 0) + (c.wait ?? 0) + (c.prioritized ?? 0) === 0;
    },
    20_000,
    'the first scheduled rescan',
  );
}

/**
 * One real Redis and registry for a test file, in-process verifier replicas on them (stopped, and Redis
 * flushed, after each test), and the steps the verifier tests share. `ready` receives the environment and a
 * store on the shared state once they are up.
 */
export function useVerifierEnv(ready: (env: TestEnv, shared: TagStore) => void) {
  const running: RunningVerifier[] = [];
  let current: TestEnv | undefined;
  const getEnv = () => current as TestEnv;
  beforeAll(async () => {
    current = await startEnv();
    ready(current, new TagStore(current.redisClient(), '{signet}'));
  });
  afterAll(async () => {
    await current?.teardown();
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((v) => v.close()));
    await current?.redisClient().flushall();
  });

  async function start(overrides: Parameters<TestEnv['config']>[0] = {}): Promise<RunningVerifier> {
    const v = await startVerifier(getEnv().config(overrides), { logger: silentLogger, port: 0 });
    running.push(v);
    await firstRescanDone(v);
    return v;
  }

  const scrape = async (v: RunningVerifier) => (await fetch(`http://127.0.0.1:${v.port}/metrics`)).text();
  const stateOf = async (v: RunningVerifier, repository: string, tag: string) =>
    (await v.ctx.store.read({ registry: 'local', repository, tag })).state;
  const violationOf = async (v: RunningVerifier, repository: string, tag: string, labels: Record<string, string> = {}) =>
    metricValue(await scrape(v), 'signet_tag_violation', { repository, tag, ...labels });

  /** Runs a full rescan through the queue (as the schedule does) and waits until every repository is done. */
  async function rescan(v: RunningVerifier): Promise<void> {
    const job = await v.rescanQueue.add('all', { v: 1, kind: 'all' }, { attempts: 3, backoff: { type: 'fixed', delay: 200 } });
    const progress = new ScanProgress(getEnv().redisClient(), '{signet}');
    await waitFor(async () => job.id !== undefined && (await progress.isComplete(job.id)), 20_000, 'rescan to complete');
  }

  /** Deletes a manifest from the registry, as `DELETE /v2/<repo>/manifests/<digest>` (its tags go with it). */
  async function deleteManifest(repository: string, digest: string): Promise<void> {
    const auth = 'Basic ' + Buffer.from(`${CI_BOT.username}:${CI_BOT.password}`).toString('base64');
    const res = await fetch(`${getEnv().registry.url}/v2/${repository}/manifests/${digest}`, {
      method: 'DELETE',
      headers: { authorization: auth },
    });
    expect(res.status).toBe(202);
  }

  /** A ci-bot push, signed, with the signer's verify job, judged `signed`. */
  async function trustedPush(v: RunningVerifier, repository: string, tag: string): Promise<string> {
    const env = getEnv();
    const digest = await env.push(`${repository}:${tag}`, CI_BOT);
    await env.sign(repository, tag, digest);
    await env.enqueueVerify({ repository, tag, digest, decision: 'signed' });
    await waitFor(async () => (await stateOf(v, repository, tag))?.digest === digest, 10_000, `verdict on ${digest}`);
    return digest;
  }

  return { start, scrape, stateOf, violationOf, rescan, deleteManifest, trustedPush };
}
