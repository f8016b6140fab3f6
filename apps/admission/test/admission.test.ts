import { whileStopped } from '@signet/testing';
import type { RunningAdmission } from '../src/service';
import { admissionReview, MALLORY, pod, post, startAdmissionEnv, type AdmissionEnv } from './env';
import { pushSigned } from './signed-push';

let env: AdmissionEnv;
let svc: RunningAdmission;
let host: string;
/** team/raw:1.0 pushed and never signed, its state written by the verifier. */
let unsignedDigest: string;

const ca = () => env.cert.cert;
const validate = (review: unknown, s = svc, path = '/validate') => post(s.port, path, review, ca());
const scrape = async (s: RunningAdmission) => (await fetch(`http://127.0.0.1:${s.opsPort}/metrics`)).text();
const metric = (text: string, name: string, labels: Record<string, string>) => {
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return line ? Number(line.split(' ').pop()) : 0;
};

beforeAll(async () => {
  env = await startAdmissionEnv();
  host = env.registry.host;
  // team/app:1.0 signed by the trusted key, its state written by the verifier.
  await pushSigned(env, 'team/app', '1.0');
  unsignedDigest = await env.push('team/raw:1.0');
  expect((await env.verify('team/app', '1.0')).kind).toBe('checked');
  await env.verify('team/raw', '1.0');
  svc = await env.start();
}, 60_000);

afterAll(async () => {
  await env?.teardown();
});

describe('the decision', () => {
  it('admits a pod whose image the verifier knows as validly signed, from the tag state, echoing the uid', async () => {
    const review = admissionReview(pod([{ image: `${host}/team/app:1.0` }]));
    const before = metric(await scrape(svc), 'signet_admission_reviews_total', {
      webhook: 'validate',
      outcome: 'cache-hit',
      decision: 'allowed',
    });
    const res = await validate(review);
    expect(res.status).toBe(200);
    expect(res.body.apiVersion).toBe('admission.k8s.io/v1');
    expect(res.body.kind).toBe('AdmissionReview');
    expect(res.body.response).toEqual({ uid: (review.request as { uid: string }).uid, allowed: true });
    expect(
      metric(await scrape(svc), 'signet_admission_reviews_total', { webhook: 'validate', outcome: 'cache-hit', decision: 'allowed' }),
    ).toBe(before + 1);
  });

  it('denies an unsigned image with a message naming the image, the reason and the fix', async () => {
    const res = await validate(admissionReview(pod([{ image: `${host}/team/raw:1.0`, name: 'web' }])));
    expect(res.status).toBe(200);
    expect(res.body.response?.allowed).toBe(false);
    expect(res.body.response?.status?.code).toBe(403);
    const message = res.body.response?.status?.message ?? '';
    expect(message).toContain(`containers[web]`);
    expect(message).toContain(`${host}/team/raw:1.0`);
    expect(message).toContain(unsignedDigest);
    expect(message).toContain('is not signed');
    expect(message).toContain('cosign sign');
  });

  it('denies a tag mallory overwrote (a standing violation), even when the pod pins the earlier signed digest', async () => {
    const good = await pushSigned(env, 'team/over', '1.0');
    await env.verify('team/over', '1.0');
    expect((await validate(admissionReview(pod([{ image: `${host}/team/over:1.0` }])))).body.response?.allowed).toBe(true);
    await env.push('team/over:1.0', MALLORY);
    const outcome = await env.verify('team/over', '1.0');
    expect(outcome.kind === 'checked' && outcome.state.flag).toBe('violation');
    for (const image of [`${host}/team/over:1.0`, `${host}/team/over:1.0@${good}`]) {
      const res = await validate(admissionReview(pod([{ image }])));
      expect(res.body.response?.allowed).toBe(false);
      expect(res.body.response?.status?.message).toContain('standing violation');
      expect(res.body.response?.status?.message).toContain('signet ack local/team/over:1.0');
    }
  });

  it("denies a signed tag pinned to a digest other than the signed one (mallory's digest under a trusted tag name)", async () => {
    const bad = await env.push('team/app:evil', MALLORY);
    const res = await validate(admissionReview(pod([{ image: `${host}/team/app:1.0@${bad}` }])));
    expect(res.body.response?.allowed).toBe(false);
    expect(res.body.response?.status?.message).toContain('is not signed');
  });

  it('denies a signature made by a key the verifier does not trust', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const digest = await env.push('team/forged:1.0', MALLORY);
    await env.sign('team/forged', '1.0', digest, { key: generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey });
    const res = await validate(admissionReview(pod([{ image: `${host}/team/forged:1.0` }])));
    expect(res.body.response?.allowed).toBe(false);
    expect(res.body.response?.status?.message).toContain('none verifies');
  });

  it('verifies a digest Signet has never seen live, remembers a valid result, and a dryRun review writes nothing', async () => {
    const digest = await pushSigned(env, 'team/fresh', '2.0');
    const redis = env.redisClient();
    const cacheKeys = async () => redis.keys('{signet}:admission:*');
    const before = (await cacheKeys()).length;
    const review = () => admissionReview(pod([{ image: `${host}/team/fresh:2.0@${digest}` }]), { dryRun: true });
    expect((await validate(review())).body.response?.allowed).toBe(true);
    expect((await cacheKeys()).length).toBe(before);
    const m0 = await scrape(svc);
    expect((await validate(admissionReview(pod([{ image: `${host}/team/fresh:2.0@${digest}` }])))).body.response?.allowed).toBe(true);
    expect((await cacheKeys()).length).toBe(before + 1);
    expect((await validate(admissionReview(pod([{ image: `${host}/team/fresh:2.0@${digest}` }])))).body.response?.allowed).toBe(true);
    const m1 = await scrape(svc);
    expect(
      metric(m1, 'signet_admission_reviews_total', { outcome: 'live', decision: 'allowed' }) -
        metric(m0, 'signet_admission_reviews_total', { outcome: 'live', decision: 'allowed' }),
    ).toBe(1);
    expect(
      metric(m1, 'signet_admission_reviews_total', { outcome: 'cache-hit', decision: 'allowed' }) -
        metric(m0, 'signet_admission_reviews_total', { outcome: 'cache-hit', decision: 'allowed' }),
    ).toBe(1);
  });

  it('judges the digest the tag points to now when the verifier has not seen the tag, and denies a tag that does not exist', async () => {
    await pushSigned(env, 'team/new', '1.0');
    expect((await validate(admissionReview(pod([{ image: `${host}/team/new:1.0` }])))).body.response?.allowed).toBe(true);
    const missing = await validate(admissionReview(pod([{ image: `${host}/team/new:nope` }])));
    expect(missing.body.response?.allowed).toBe(false);
    expect(missing.body.response?.status?.message).toContain('does not exist');
  });

  it('fails closed when the registry cannot be reached: denied, outcome unreachable', async () => {
    await pushSigned(env, 'team/down', '1.0');
    await whileStopped(env.registry, async () => {
      const res = await validate(admissionReview(pod([{ image: `${host}/team/down:1.0` }])));
      expect(res.body.response?.allowed).toBe(false);
      expect(res.body.response?.status?.message).toContain('could not be asked');
      expect(
        metric(await scrape(svc), 'signet_admission_reviews_total', { outcome: 'unreachable', decision: 'denied' }),
      ).toBeGreaterThanOrEqual(1);
      // What the verifier already judged still answers with the registry down.
      expect((await validate(admissionReview(pod([{ image: `${host}/team/app:1.0` }])))).body.response?.allowed).toBe(true);
    });
  });
});
