/**
 * Untrusted changes to a tag that must each leave an alert (issue 15), performed against a real Distribution
 * registry and Redis with the verifier in process: mallory can push, delete and retag; ci-bot is the trusted CI.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { buildRandomImage, pushImage, waitFor, whileStopped, type BuiltImage } from '@signet/testing';
import { acknowledgeTag, TagStore } from '@signet/verification';
import type { RunningVerifier } from '../src/service';
import { CI_BOT, MALLORY, metricValue, type TestEnv } from './env';
import { useVerifierEnv } from './harness';

let env: TestEnv;
let shared: TagStore;
const { start, scrape, stateOf, violationOf, rescan, deleteManifest, trustedPush } = useVerifierEnv((e, s) => {
  env = e;
  shared = s;
});

const traceOf = async (v: RunningVerifier, labels: Record<string, string>) =>
  metricValue(await scrape(v), 'signet_tag_violation_trace', labels);

/** Waits up to `timeoutMs` until the verifier reports one violation of `repository:tag` with `labels`. */
const untilViolation = (
  v: RunningVerifier,
  repository: string,
  tag: string,
  labels: Record<string, string>,
  timeoutMs: number,
  what: string,
) => waitFor(async () => (await violationOf(v, repository, tag, labels)) === 1, timeoutMs, what);

/** Points `repository:tag` at an image whose blobs are already in the repository (a retag, as `crane tag` does). */
async function retag(repository: string, tag: string, image: BuiltImage, creds = MALLORY): Promise<void> {
  const auth = 'Basic ' + Buffer.from(`${creds.username}:${creds.password}`).toString('base64');
  const res = await fetch(`${env.registry.url}/v2/${repository}/manifests/${tag}`, {
    method: 'PUT',
    headers: { authorization: auth, 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
    body: image.manifest,
  });
  expect(res.status).toBe(201);
}

/** A ci-bot release of a known image (so it can be pushed again later), signed and judged. */
async function trustedRelease(v: RunningVerifier, repository: string, tag: string): Promise<BuiltImage> {
  const image = buildRandomImage(`${repository}:${tag} ${Math.random()}`);
  await pushImage(env.registry.url, `${repository}:${tag}`, CI_BOT, image);
  await env.sign(repository, tag, image.digest);
  await env.enqueueVerify({ repository, tag, digest: image.digest, decision: 'signed' });
  await waitFor(async () => (await stateOf(v, repository, tag))?.digest === image.digest, 10_000, `verdict on ${image.digest}`);
  return image;
}

it('judges a tag deleted and pushed again by mallory as a replacement of what it last pointed to (item 2)', async () => {
  const v = await start({ gracePeriod: 0 });
  const good = await trustedPush(v, 'atk/del', '1.0.0');
  await deleteManifest('atk/del', good);
  // Distribution's delete event names the digest only; the signer passes it on as `deleted`.
  await env.enqueueVerify({ repository: 'atk/del', digest: good, decision: 'deleted' });
  await waitFor(async () => (await stateOf(v, 'atk/del', '1.0.0')) === undefined, 10_000, 'tag forgotten');
  const bad = await env.push('atk/del:1.0.0', MALLORY);
  await env.enqueueVerify({ repository: 'atk/del', tag: '1.0.0', digest: bad, decision: 'untrusted' });
  await untilViolation(v, 'atk/del', '1.0.0', { digest: bad, reason: 'unsigned' }, 10_000, 'violation on the re-push');
  expect(await stateOf(v, 'atk/del', '1.0.0')).toMatchObject({
    digest: bad,
    verdict: 'unsigned',
    flag: 'violation',
    replaced: true,
    history: [{ digest: good }],
  });

  // A delete event handled after the re-push's: the registry is checked before forgetting, so the violation stays.
  const good2 = await trustedPush(v, 'atk/del', '2.0.0');
  await deleteManifest('atk/del', good2);
  const bad2 = await env.push('atk/del:2.0.0', MALLORY);
  await env.enqueueVerify({ repository: 'atk/del', tag: '2.0.0', digest: bad2, decision: 'untrusted' });
  await untilViolation(v, 'atk/del', '2.0.0', { digest: bad2 }, 10_000, 'violation on the re-push');
  await env.enqueueVerify({ repository: 'atk/del', tag: '2.0.0', digest: good2, decision: 'deleted' });
  await waitFor(async () => (await v.verifyQueue.getJobCounts('wait', 'active', 'delayed')).wait === 0, 5000, 'delete event handled');
  await sleep(300);
  expect(await violationOf(v, 'atk/del', '2.0.0', { digest: bad2 })).toBe(1);

  // Without webhooks: a rescan forgets the deleted tag, and the next one finds the re-push a replacement.
  const good3 = await trustedPush(v, 'atk/del', '3.0.0');
  await deleteManifest('atk/del', good3);
  await rescan(v);
  expect(await stateOf(v, 'atk/del', '3.0.0')).toBeUndefined();
  const bad3 = await env.push('atk/del:3.0.0', MALLORY);
  await rescan(v);
  await untilViolation(v, 'atk/del', '3.0.0', { digest: bad3 }, 10_000, 'violation found by the rescan');
});

it("judges mallory overwriting a new tag before the verifier first looked as a replacement, using the signer's tagMoved (item 3)", async () => {
  const v = await start({ verifier: { lookAgain: '300ms' } });
  // The signer's decision, which saw the tag already moved, is the first the verifier hears of the tag.
  const ci = await env.push('atk/race:1.0.0', CI_BOT);
  const bad = await env.push('atk/race:1.0.0', MALLORY);
  await env.sign('atk/race', '1.0.0', ci);
  await env.enqueueVerify({ repository: 'atk/race', tag: '1.0.0', digest: ci, decision: 'signed', tagMoved: true });
  // Mallory's digest is judged at once as the replacement of ci-bot's: pending until her decision arrives.
  await waitFor(async () => (await stateOf(v, 'atk/race', '1.0.0'))?.digest === bad, 1000, 'the racing digest judged');
  expect(await stateOf(v, 'atk/race', '1.0.0')).toMatchObject({ verdict: 'pending', replaced: true });
  const t0 = Date.now();
  await env.enqueueVerify({ repository: 'atk/race', tag: '1.0.0', digest: bad, decision: 'untrusted' });
  // "At once": well inside the 30 s grace period this verifier would otherwise wait out (slack for a loaded CI machine).
  await untilViolation(v, 'atk/race', '1.0.0', { digest: bad, reason: 'unsigned' }, 5000, 'violation at once');
  expect(Date.now() - t0).toBeLessThan(5000);
  expect(await stateOf(v, 'atk/race', '1.0.0')).toMatchObject({
    digest: bad,
    flag: 'violation',
    replaced: true,
    history: [{ digest: ci }],
  });

  // Mallory's (quicker) untrusted decision lands first, then the signer's: the tag is judged again and the
  // first-seen record becomes a replacement.
  const ci2 = await env.push('atk/race:2.0.0', CI_BOT);
  const bad2 = await env.push('atk/race:2.0.0', MALLORY);
  await env.enqueueVerify({ repository: 'atk/race', tag: '2.0.0', digest: bad2, decision: 'untrusted' });
  await waitFor(async () => (await stateOf(v, 'atk/race', '2.0.0'))?.digest === bad2, 10_000, 'first look');
  await env.sign('atk/race', '2.0.0', ci2);
  await env.enqueueVerify({ repository: 'atk/race', tag: '2.0.0', digest: ci2, decision: 'signed', tagMoved: true });
  await untilViolation(v, 'atk/race', '2.0.0', { digest: bad2, reason: 'unsigned' }, 10_000, 'violation');
  expect(await stateOf(v, 'atk/race', '2.0.0')).toMatchObject({ digest: bad2, flag: 'violation', replaced: true });
});

it('flags mallory pointing a tag back at an older, validly signed release as a rollback; ci-bot doing so is no alarm (item 4)', async () => {
  const v = await start();
  const old = await trustedRelease(v, 'atk/rb', '1');
  const current = await trustedPush(v, 'atk/rb', '1');
  await retag('atk/rb', '1', old, MALLORY);
  await env.enqueueVerify({ repository: 'atk/rb', tag: '1', digest: old.digest, decision: 'untrusted' });
  await untilViolation(v, 'atk/rb', '1', { digest: old.digest, reason: 'rollback' }, 10_000, 'rollback violation');
  expect(await stateOf(v, 'atk/rb', '1')).toMatchObject({ digest: old.digest, verdict: 'signed', flag: 'violation', reason: 'rollback' });
  // A rescan keeps it standing.
  await rescan(v);
  expect(await violationOf(v, 'atk/rb', '1', { reason: 'rollback' })).toBe(1);

  // The same move by ci-bot (a trusted decision) is legitimate work.
  const old2 = await trustedRelease(v, 'atk/rb', '2');
  await trustedPush(v, 'atk/rb', '2');
  await retag('atk/rb', '2', old2, CI_BOT);
  await env.enqueueVerify({ repository: 'atk/rb', tag: '2', digest: old2.digest, decision: 'already-signed' });
  await waitFor(async () => (await stateOf(v, 'atk/rb', '2'))?.digest === old2.digest, 10_000, 'trusted rollback judged');
  expect(await stateOf(v, 'atk/rb', '2')).toMatchObject({ verdict: 'signed', flag: 'none' });
  expect(await violationOf(v, 'atk/rb', '2')).toBeUndefined();
  expect(current).not.toBe(old.digest);
});

it('leaves a durable trace of a flash overwrite restored 300 ms later, until acknowledged (item 5)', async () => {
  const v = await start();
  const good = await trustedRelease(v, 'atk/flash', '1');
  const bad = await env.push('atk/flash:1', MALLORY);
  await env.enqueueVerify({ repository: 'atk/flash', tag: '1', digest: bad, decision: 'untrusted' });
  await sleep(300);
  await retag('atk/flash', '1', good, MALLORY);
  await env.enqueueVerify({ repository: 'atk/flash', tag: '1', digest: good.digest, decision: 'untrusted' });
  await waitFor(
    async () => {
      const s = await stateOf(v, 'atk/flash', '1');
      return s?.digest === good.digest && s.flag === 'none';
    },
    10_000,
    'tag judged back at the restored digest',
  );
  // Restoring the digest the bad one replaced is a repair, not a rollback; the trace of the bad digest stays.
  await sleep(1500);
  expect(await violationOf(v, 'atk/flash', '1')).toBeUndefined();
  expect(await traceOf(v, { repository: 'atk/flash', tag: '1', digest: bad, reason: 'unsigned' })).toBe(1);
  expect(metricValue(await scrape(v), 'signet_tag_violations_total', { registry: 'local', reason: 'unsigned' })).toBeGreaterThanOrEqual(1);
  await rescan(v);
  expect(await traceOf(v, { digest: bad })).toBe(1);

  expect(await acknowledgeTag(shared, { registry: 'local', repository: 'atk/flash', tag: '1' })).toEqual({
    kind: 'traces-cleared',
    digests: [bad],
  });
  expect(await traceOf(v, { digest: bad })).toBeUndefined();
});

it('judges the digest an event names while the registry still shows the old one, and keeps it once the tag moves (item 8)', async () => {
  const v = await start({ verifier: { lookAgain: '500ms' } });
  await trustedPush(v, 'atk/early', '1');
  // Mallory's image is in the repository, but the tag is not moved yet: Distribution's push event comes first.
  const image = buildRandomImage(`atk/early ${Math.random()}`);
  await pushImage(env.registry.url, 'atk/early:staging', MALLORY, image);
  const t0 = Date.now();
  await env.enqueueVerify({ repository: 'atk/early', tag: '1', digest: image.digest, decision: 'untrusted' });
  await untilViolation(v, 'atk/early', '1', { digest: image.digest, reason: 'unsigned' }, 5000, 'violation before the tag moved');
  expect(Date.now() - t0).toBeLessThan(5000);
  await retag('atk/early', '1', image, MALLORY);
  await sleep(1000);
  expect(await stateOf(v, 'atk/early', '1')).toMatchObject({ digest: image.digest, flag: 'violation' });
  expect(await violationOf(v, 'atk/early', '1', { digest: image.digest })).toBe(1);
});

describe("an operator's signature window for signatures made outside Signet (item 9)", () => {
  const windows = { signatureWindows: [{ repositories: ['ext/*'], actors: ['ext-ci'], window: '3s' }] };

  it('raises nothing while the external CI signs its push within the window', async () => {
    const v = await start({ verifier: windows });
    await trustedPush(v, 'ext/app', '1');
    const next = await env.push('ext/app:1', CI_BOT);
    await env.enqueueVerify({ repository: 'ext/app', tag: '1', digest: next, decision: 'untrusted', actor: 'ext-ci' });
    const seen: Array<number | undefined> = [];
    const deadline = Date.now() + 4500;
    let signed = false;
    while (Date.now() < deadline) {
      seen.push(await violationOf(v, 'ext/app', '1'));
      if (!signed && Date.now() > deadline - 3500) {
        await env.sign('ext/app', '1', next); // `cosign sign --key` a second after the push
        signed = true;
      }
      await sleep(100);
    }
    expect(seen.filter((x) => x !== undefined)).toEqual([]);
    await waitFor(async () => (await stateOf(v, 'ext/app', '1'))?.verdict === 'signed', 5000, 'signed at the end of the window');
  });

  it('alerts at once at the end of the window when no valid signature came, and at once outside any window', async () => {
    const v = await start({ verifier: windows });
    await trustedPush(v, 'ext/app', '2');
    const unsignedByExt = await env.push('ext/app:2', CI_BOT);
    const t0 = Date.now();
    await env.enqueueVerify({ repository: 'ext/app', tag: '2', digest: unsignedByExt, decision: 'untrusted', actor: 'ext-ci' });
    await waitFor(async () => (await stateOf(v, 'ext/app', '2'))?.digest === unsignedByExt, 5000, 'pending');
    expect(await stateOf(v, 'ext/app', '2')).toMatchObject({ verdict: 'pending', flag: 'none' });
    await untilViolation(v, 'ext/app', '2', { digest: unsignedByExt }, 10_000, 'violation at the end of the window');
    // Not before the 3 s window ends, and long before the 30 s grace period would (slack for a loaded CI machine).
    expect(Date.now() - t0).toBeGreaterThanOrEqual(3000);
    expect(Date.now() - t0).toBeLessThan(10_000);

    // Mallory is not the actor the window names: her overwrite alerts at once.
    await trustedPush(v, 'ext/app', '3');
    const bad = await env.push('ext/app:3', MALLORY);
    await env.enqueueVerify({ repository: 'ext/app', tag: '3', digest: bad, decision: 'untrusted', actor: 'mallory' });
    await untilViolation(v, 'ext/app', '3', { digest: bad }, 1000, 'violation outside the window');
  });
});

it('makes an overwrite still unreadable when its grace period ends a violation, reason unknown', async () => {
  const v = await start({ gracePeriod: '2s' });
  const good = await trustedPush(v, 'atk/dark', '1');
  const bad = await env.push('atk/dark:1', MALLORY);
  await whileStopped(env.registry, async () => {
    await env.enqueueVerify({ repository: 'atk/dark', tag: '1', digest: bad, decision: 'untrusted' });
    await waitFor(async () => (await stateOf(v, 'atk/dark', '1'))?.verdict === 'error', 10_000, 'error verdict');
    expect(await violationOf(v, 'atk/dark', '1')).toBeUndefined();
    await untilViolation(v, 'atk/dark', '1', { digest: bad, reason: 'unknown' }, 8000, 'violation at the end of the grace period');
    expect(await stateOf(v, 'atk/dark', '1')).toMatchObject({
      digest: bad,
      verdict: 'error',
      flag: 'violation',
      history: [{ digest: good }],
    });
  });
});
