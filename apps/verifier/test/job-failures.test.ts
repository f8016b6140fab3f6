import { Job, type Queue } from 'bullmq';
import { defaultJobOptions } from '@signet/queue';
import { sleep, waitFor, whileStopped } from '@signet/testing';
import { startVerifier, type RunningVerifier } from '../src/service';
import { capturingLogger, type TestEnv } from './env';
import { firstRescanDone, useVerifierEnv } from './harness';

/**
 * The verifier's workers under the shared job-failure policy, with real Redis, registry and BullMQ workers: a
 * job that can never succeed fails at its first attempt with its reason on the job; a transient failure is
 * retried with the default backoff (eight attempts) until it succeeds.
 */
let env: TestEnv;
const { start, stateOf } = useVerifierEnv((e) => {
  env = e;
});

let jobs = 0;
/** Adds a job with the options every producer uses (eight attempts, exponential backoff from one second). */
async function add(queue: Queue, name: string, data: unknown): Promise<string> {
  const job = await queue.add(name, data, { ...defaultJobOptions, jobId: `job-failures-${++jobs}` });
  return job.id as string;
}

/** The job once its first attempt has ended (BullMQ counts a failed attempt before it schedules the next). */
async function afterFirstAttempt(queue: Queue, id: string): Promise<Job> {
  let job: Job | undefined;
  await waitFor(
    async () => {
      job = await Job.fromId(queue, id);
      return (job?.attemptsMade ?? 0) >= 1 || (await job?.getState()) === 'completed';
    },
    15_000,
    `first attempt of ${id}`,
  );
  return job as Job;
}

/** Asserts the job failed for good at its first attempt, and stays so past the first retry's backoff. */
async function expectFailedAtOnce(queue: Queue, id: string, reason: RegExp): Promise<void> {
  await afterFirstAttempt(queue, id);
  await sleep(1500); // the first retry's backoff is one second
  const job = (await Job.fromId(queue, id)) as Job;
  expect(await job.getState()).toBe('failed');
  expect(job.attemptsMade).toBe(1);
  expect(job.failedReason).toMatch(reason);
}

const DIGEST = `sha256:${'ab'.repeat(32)}`;

/** Adds a verify job for team/app to the verifier's queue: a signed push of 1.0 to the registry named local, but for `fields`. */
const addVerify = (v: RunningVerifier, fields: Record<string, unknown>) =>
  add(v.verifyQueue, 'verify', {
    v: 1,
    registry: 'local',
    repository: 'team/app',
    tag: '1.0',
    digest: DIGEST,
    decision: 'signed',
    ...fields,
  });

it('fails a verify job with an invalid payload at its first attempt, saying what is invalid', async () => {
  const v = await start();
  const id = await addVerify(v, { decision: 'approved' });
  await expectFailedAtOnce(v.verifyQueue, id, /invalid job data: decision/);
});

it('fails a verify job naming a registry that is not configured at its first attempt', async () => {
  const v = await start();
  const id = await addVerify(v, { registry: 'nowhere' });
  await expectFailedAtOnce(v.verifyQueue, id, /no registry named "nowhere"/);
});

it('fails a rescan job for a registry that is not configured at its first attempt', async () => {
  const v = await start();
  const id = await add(v.rescanQueue, 'repository', {
    v: 1,
    kind: 'repository',
    registry: 'nowhere',
    repository: 'team/app',
    scanId: 'scan-1',
  });
  await expectFailedAtOnce(v.rescanQueue, id, /no registry named "nowhere"/);
});

it('retries a verify job while the registry is stopped, and judges the push once it is back', async () => {
  const v = await start();
  const digest = await env.push('team/app:2.0');
  await whileStopped(env.registry, async () => {
    const id = await addVerify(v, { tag: '2.0', digest, decision: 'untrusted' });
    const first = await afterFirstAttempt(v.verifyQueue, id);
    expect(first.failedReason).toMatch(/lookup of local\/team\/app:2.0 failed/);
    expect(await first.getState()).toBe('delayed');
  });
  await waitFor(async () => (await stateOf(v, 'team/app', '2.0'))?.verdict === 'unsigned', 20_000, 'the retried job to judge the tag');
  expect(await stateOf(v, 'team/app', '2.0')).toMatchObject({ digest, verdict: 'unsigned' });
});

it('logs a job that failed for good as an error, and one that will be retried as a warning', async () => {
  const { logger, lines } = capturingLogger();
  const v = await startVerifier(env.config(), { logger, port: 0 });
  try {
    await firstRescanDone(v);
    const invalid = await addVerify(v, { registry: 'nowhere' });
    await afterFirstAttempt(v.verifyQueue, invalid);
    const digest = await env.push('team/app:3.0');
    await whileStopped(env.registry, async () => {
      const transient = await addVerify(v, { tag: '3.0', digest, decision: 'untrusted' });
      await afterFirstAttempt(v.verifyQueue, transient);
      await waitFor(
        async () => lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('job failed')).length >= 2,
        5000,
        'both failure lines',
      );
      const failed = lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('job failed'));
      expect(failed.find((l) => l.jobId === invalid)).toMatchObject({
        level: 'error',
        msg: 'job failed for good',
        final: true,
        attempt: 1,
      });
      expect(failed.find((l) => l.jobId === transient)).toMatchObject({
        level: 'warn',
        msg: 'job failed; will retry',
        final: false,
        attempt: 1,
      });
    });
  } finally {
    await v.close();
  }
});
