import { UnrecoverableError } from 'bullmq';
import { parsePayload, PublicKeySet, verifyDsseStatement, verifySignatureLayers } from '@signet/crypto';
import { pushJobId, verifyJobId, type PushJob } from '@signet/queue';
import { SignatureStore, signDigest } from '@signet/signatures';
import { pushEvent as distributionPush, pushImage, pushIndex, whileStopped } from '@signet/testing';
import { processPush, type PushJobHandle } from '../src/process-push';
import { TrustPolicy } from '../src/trust';
import { CI_BOT, MALLORY, newKey, startEnv, type Replica, type TestEnv } from './env';

type Event = PushJob['event'];

/** ci-bot's push of an image manifest to team/app, unless `overrides` say otherwise. */
function pushEvent(overrides: Partial<Event>): Event {
  return distributionPush({ actor: CI_BOT.username, mediaType: 'application/vnd.oci.image.manifest.v1+json', ...overrides });
}

function job(event: Event, attempt = { attemptsMade: 0, maxAttempts: 8 }): PushJobHandle {
  return { id: pushJobId(event), data: { v: 1, event, receivedAt: new Date().toISOString() }, ...attempt };
}

async function layers(store: SignatureStore, repo: string, digest: string) {
  return (await store.list(repo, digest)).flatMap((s) => (s.kind === 'simple-signing' ? [s] : []));
}

describe('processPush against a real registry and Redis', () => {
  let env: TestEnv;
  let r: Replica;

  beforeAll(async () => {
    env = await startEnv();
  });
  beforeEach(() => {
    r = env.replica();
  });
  afterAll(() => env.teardown());

  it('signs a trusted push with a host/repo:tag identity and hands the tag to the verifier', async () => {
    const digest = await pushImage(env.registry.url, 'team/app:1.0.0', CI_BOT);
    const event = pushEvent({ tag: '1.0.0', digest });
    const outcome = await processPush(r.deps, job(event));
    expect(outcome).toMatchObject({ decision: 'signed', digest, signed: [digest] });

    const found = await layers(r.reg.store, 'team/app', digest);
    expect(found).toHaveLength(1);
    const verdict = verifySignatureLayers(found, {
      keys: [env.key.publicKey],
      expectedDigest: digest,
      identity: { type: 'exact', reference: `${env.registry.host}/team/app:1.0.0` },
    });
    expect(verdict.ok).toBe(true);
    expect(r.verifyJobs).toEqual([
      {
        jobId: verifyJobId(pushJobId(event), digest),
        data: {
          v: 1,
          registry: 'local',
          repository: 'team/app',
          tag: '1.0.0',
          digest,
          decision: 'signed',
          actor: 'ci-bot',
          eventId: event.eventId,
          pushJobId: pushJobId(event),
          pushedAt: event.occurredAt,
        },
      },
    ]);
    expect(await r.metricsRegistry.getSingleMetricAsString('signet_signatures_total')).toContain(
      'signet_signatures_total{registry="local",result="signed"} 1',
    );
  });

  it('decides already-signed on redelivery and retries, leaving one layer', async () => {
    const digest = await pushImage(env.registry.url, 'team/app:redeliver', CI_BOT);
    const event = pushEvent({ tag: 'redeliver', digest });
    expect((await processPush(r.deps, job(event))).decision).toBe('signed');
    const again = await processPush(env.replica().deps, job(event, { attemptsMade: 1, maxAttempts: 8 }));
    expect(again).toMatchObject({ decision: 'already-signed', signed: [] });
    expect(await layers(r.reg.store, 'team/app', digest)).toHaveLength(1);
  });

  it('writes one Sigstore bundle referrer in the bundle layout, and none on redelivery', async () => {
    const digest = await pushImage(env.registry.url, 'team/app:bundle', CI_BOT);
    const base = env.replica();
    const reg = { ...base.reg, store: new SignatureStore(base.reg.client) };
    const b = env.replica({ layout: 'bundle', registries: new Map([['local', reg]]) });
    const event = pushEvent({ tag: 'bundle', digest });
    expect((await processPush(b.deps, job(event))).decision).toBe('signed');
    expect((await processPush(b.deps, job(event, { attemptsMade: 1, maxAttempts: 8 }))).decision).toBe('already-signed');
    const found = await reg.store.list('team/app', digest);
    const bundles = found.flatMap((s) => (s.kind === 'bundle' ? [s] : []));
    expect(bundles).toHaveLength(1);
    expect(found.filter((s) => s.kind === 'simple-signing')).toHaveLength(0);
    const keys = PublicKeySet.fromPems([{ pem: env.key.publicKeyPem, source: 'active' }]);
    expect(verifyDsseStatement(bundles[0]!.envelope, keys, digest).ok).toBe(true);
  });

  it('counts a signature by a configured previous key as already signed', async () => {
    const old = await newKey();
    const digest = await pushImage(env.registry.url, 'team/app:rotated', CI_BOT);
    await signDigest(r.reg.store, old, { repository: 'team/app', digest, dockerReference: `${env.registry.host}/team/app:rotated` });
    const withPrevious = env.replica({ previousKeys: [old.publicKey] });
    expect((await processPush(withPrevious.deps, job(pushEvent({ tag: 'rotated', digest })))).decision).toBe('already-signed');
    expect(await layers(r.reg.store, 'team/app', digest)).toHaveLength(1);
    // Without the old key configured, the active key adds its own layer.
    expect((await processPush(r.deps, job(pushEvent({ tag: 'rotated', digest })))).decision).toBe('signed');
    expect(await layers(r.reg.store, 'team/app', digest)).toHaveLength(2);
  });

  it('never signs an untrusted push, but passes it to the verifier as untrusted', async () => {
    const digest = await pushImage(env.registry.url, 'team/app:evil', MALLORY);
    const event = pushEvent({ tag: 'evil', digest, actor: MALLORY.username });
    expect(await processPush(r.deps, job(event))).toMatchObject({ decision: 'untrusted' });
    expect(await layers(r.reg.store, 'team/app', digest)).toHaveLength(0);
    expect(r.verifyJobs.map((j) => j.data.decision)).toEqual(['untrusted']);
    const other = pushEvent({ tag: 'x', digest, repository: 'other/app' });
    expect((await processPush(r.deps, job(other))).decision).toBe('untrusted');
    expect(await r.metricsRegistry.getSingleMetricAsString('signet_signatures_total')).toContain('result="untrusted"} 2');
  });

  it('passes deletes to the verifier without signing', async () => {
    const digest = 'sha256:' + 'd'.repeat(64);
    const event = pushEvent({ kind: 'delete', digest });
    expect((await processPush(r.deps, job(event))).decision).toBe('deleted');
    expect(r.verifyJobs).toEqual([
      { jobId: verifyJobId(pushJobId(event), digest), data: expect.objectContaining({ decision: 'deleted', digest }) },
    ]);
  });

  it('skips a manifest pushed by digest alone, with no verify job', async () => {
    const digest = await pushImage(env.registry.url, 'team/app:child', CI_BOT);
    expect((await processPush(r.deps, job(pushEvent({ digest })))).decision).toBe('skipped');
    expect(r.verifyJobs).toEqual([]);
    expect(await layers(r.reg.store, 'team/app', digest)).toHaveLength(0);
    expect(await r.metricsRegistry.getSingleMetricAsString('signet_signatures_total')).toContain('result="skipped"} 1');
  });

  it('never signs the digest a tag-only event resolves to, and tells the verifier it is unverifiable', async () => {
    await pushImage(env.registry.url, 'team/app:hub', CI_BOT);
    const overwrite = await pushImage(env.registry.url, 'team/app:hub', MALLORY);
    const { digest: _none, ...event } = pushEvent({ tag: 'hub', source: 'dockerhub', mediaType: undefined, needsDigestResolution: true });
    expect(await processPush(r.deps, job(event))).toEqual({
      decision: 'unverifiable',
      digest: overwrite,
      signed: [],
      reason: expect.stringContaining('signTagOnlyEvents'),
    });
    expect(await layers(r.reg.store, 'team/app', overwrite)).toHaveLength(0);
    expect(r.verifyJobs.map((j) => j.data)).toEqual([
      expect.objectContaining({ decision: 'unverifiable', digest: overwrite, tag: 'hub', actor: 'ci-bot' }),
    ]);
    expect(await r.metricsRegistry.getSingleMetricAsString('signet_signatures_total')).toContain('result="unverifiable"} 1');
  });

  it('signs a tag-only event resolved through the configured registry where the trust rule opts in', async () => {
    const digest = await pushImage(env.registry.url, 'team/app:hub-optin', CI_BOT);
    const optIn = env.replica({
      trust: new TrustPolicy([{ registry: 'local', repositories: ['team/*'], actors: ['ci-bot'], signTagOnlyEvents: true }]),
    });
    const { digest: _none, ...event } = pushEvent({
      tag: 'hub-optin',
      source: 'dockerhub',
      mediaType: undefined,
      needsDigestResolution: true,
    });
    expect(await processPush(optIn.deps, job(event))).toMatchObject({ decision: 'signed', digest, signed: [digest] });
    expect(optIn.verifyJobs[0]?.data).toMatchObject({ decision: 'signed', digest });
  });

  it('signs an index and, with recursive, each child; repository identity gives host/repo', async () => {
    const { digest, children } = await pushIndex(env.registry.url, 'team/multi:1', CI_BOT);
    const rec = env.replica({ recursive: true, identity: 'repository', annotations: { team: 'a' } });
    const outcome = await processPush(
      rec.deps,
      job(pushEvent({ repository: 'team/multi', tag: '1', digest, mediaType: 'application/vnd.oci.image.index.v1+json' })),
    );
    expect(outcome.decision).toBe('signed');
    expect(new Set(outcome.signed)).toEqual(new Set([digest, ...children]));
    for (const d of [digest, ...children]) {
      const [layer] = await layers(r.reg.store, 'team/multi', d);
      const parsed = parsePayload(layer!.payload, 'strict');
      expect(parsed.ok && parsed.payload).toMatchObject({
        dockerReference: `${env.registry.host}/team/multi`,
        manifestDigest: d,
        optional: { team: 'a' },
      });
    }
  });

  it('signs a digest whose tag moved meanwhile and reports tagMoved', async () => {
    const first = await pushImage(env.registry.url, 'team/app:moving', CI_BOT);
    await pushImage(env.registry.url, 'team/app:moving', CI_BOT);
    const outcome = await processPush(r.deps, job(pushEvent({ tag: 'moving', digest: first })));
    expect(outcome).toMatchObject({ decision: 'signed', digest: first, tagMoved: true });
    expect(r.verifyJobs[0]?.data).toMatchObject({ decision: 'signed', digest: first, tagMoved: true });
  });

  it('writes exactly one layer when replicas race on the same digest', async () => {
    const digest = await pushImage(env.registry.url, 'team/app:race', CI_BOT);
    const event = pushEvent({ tag: 'race', digest });
    const replicas = [env.replica(), env.replica(), env.replica(), env.replica()];
    const outcomes = await Promise.all(replicas.map((rep) => processPush(rep.deps, job(event))));
    expect(outcomes.map((o) => o.decision).sort()).toEqual(['already-signed', 'already-signed', 'already-signed', 'signed']);
    expect(await layers(r.reg.store, 'team/app', digest)).toHaveLength(1);
  });

  it('fails for good when the image is gone, and tells the verifier', async () => {
    const { digest: _none, ...event } = pushEvent({ tag: 'never-pushed', needsDigestResolution: true });
    const err = await processPush(r.deps, job(event)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnrecoverableError);
    expect((err as Error).message).toMatch(/^image_gone: team\/app:never-pushed/);
    expect(r.verifyJobs.map((j) => j.data.decision)).toEqual(['failed']);
    expect(await r.metricsRegistry.getSingleMetricAsString('signet_signer_jobs_failed_total')).toContain('reason="image_gone"} 1');
  });

  it('retries a 401 (a rotated password may arrive late) and reports failed only on the last attempt', async () => {
    const digest = await pushImage(env.registry.url, 'team/app:auth', CI_BOT);
    const bad = env.replica({ password: 'wrong' });
    const event = pushEvent({ tag: 'auth', digest });
    const early = await processPush(bad.deps, job(event)).catch((e: unknown) => e);
    expect(early).toMatchObject({ code: 'REGISTRY_UNAUTHORIZED' });
    expect(early).not.toBeInstanceOf(UnrecoverableError);
    expect(bad.verifyJobs).toEqual([]);
    const last = await processPush(bad.deps, job(event, { attemptsMade: 7, maxAttempts: 8 })).catch((e: unknown) => e);
    expect(last).toMatchObject({ code: 'REGISTRY_UNAUTHORIZED' });
    expect(bad.verifyJobs.map((j) => j.data)).toEqual([expect.objectContaining({ decision: 'failed', digest })]);
  });

  it('rejects an invalid job permanently', async () => {
    const err = await processPush(r.deps, { id: 'x', data: { v: 2 }, attemptsMade: 0, maxAttempts: 8 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnrecoverableError);
    expect((err as Error).message).toMatch(/^invalid_job:/);
    expect(r.verifyJobs).toEqual([]);
  });

  it('retries while the registry is down and reports failed only on the last attempt', async () => {
    const digest = await pushImage(env.registry.url, 'team/app:outage', CI_BOT);
    const event = pushEvent({ tag: 'outage', digest });
    const down = env.replica({ retries: 0 });
    await whileStopped(env.registry, async () => {
      const early = await processPush(down.deps, job(event, { attemptsMade: 0, maxAttempts: 3 })).catch((e: unknown) => e);
      expect(early).toBeInstanceOf(Error);
      expect(early).not.toBeInstanceOf(UnrecoverableError);
      expect(down.verifyJobs).toEqual([]);
      const last = await processPush(down.deps, job(event, { attemptsMade: 2, maxAttempts: 3 })).catch((e: unknown) => e);
      expect(last).not.toBeInstanceOf(UnrecoverableError);
      expect(down.verifyJobs.map((j) => j.data)).toEqual([expect.objectContaining({ decision: 'failed', digest })]);
    });
    expect((await processPush(down.deps, job(event))).decision).toBe('signed');
  });
});
