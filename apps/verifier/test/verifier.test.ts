import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { alertFiring, repoRoot, startPrometheus, waitFor, whileStopped, type PrometheusServer } from '@signet/testing';
import type { RunningVerifier } from '../src/service';
import { acknowledgeTag, TagStore } from '@signet/verification';
import { CI_BOT, MALLORY, metricValue, type TestEnv } from './env';
import { useVerifierEnv } from './harness';

const RULES = join(repoRoot(__dirname), 'infra/prometheus/signet-rules.yml');
let env: TestEnv;
let shared: TagStore;
const { start, scrape, stateOf, violationOf, rescan, deleteManifest, trustedPush } = useVerifierEnv((e, s) => {
  env = e;
  shared = s;
});

/** A signed tag overwritten by mallory's unsigned image, judged a violation; returns mallory's digest. */
async function unsignedOverwrite(v: RunningVerifier, repository: string, tag: string): Promise<string> {
  await trustedPush(v, repository, tag);
  const bad = await env.push(`${repository}:${tag}`, MALLORY);
  await env.enqueueVerify({ repository, tag, digest: bad, decision: 'untrusted' });
  await waitFor(async () => (await violationOf(v, repository, tag)) === 1, 15_000, 'violation');
  return bad;
}

it('ships rules that promtool accepts', () => {
  expect(execFileSync('promtool', ['check', 'rules', RULES]).toString()).toMatch(/SUCCESS: \d+ rules found/);
});

it('raises no violation while ci-bot keeps overwriting a tag with signed images', async () => {
  const v = await start();
  const violations: string[] = [];
  for (let i = 0; i < 30; i++) {
    const digest = await trustedPush(v, 'team/app', '1.0.0');
    const state = await stateOf(v, 'team/app', '1.0.0');
    expect(state).toMatchObject({ digest, verdict: 'signed', flag: 'none' });
    violations.push(...(await shared.violations()).map((x) => x.digest));
    if (i === 15) await rescan(v);
  }
  expect(violations).toEqual([]);
  const text = await scrape(v);
  expect(metricValue(text, 'signet_tag_violation')).toBeUndefined();
  expect(metricValue(text, 'signet_tag_overwrites_total', { result: 'signed' })).toBe(29);
  // Signature tags are artifacts, never tags of their own.
  expect([...(await v.ctx.store.readRepository('local', 'team/app')).keys()]).toEqual(['1.0.0']);
});

describe('an unsigned overwrite by mallory', () => {
  let prometheus: PrometheusServer | undefined;
  afterEach(async () => {
    await prometheus?.teardown();
    prometheus = undefined;
  });

  it('is a violation within 1 s of the verify job, on every replica, and Prometheus fires SignetUnsignedTagOverwrite', async () => {
    const v = await start();
    const replica = await start();
    await trustedPush(v, 'team/app', '1.0.0');
    const bad = await env.push('team/app:1.0.0', MALLORY);
    const t0 = Date.now();
    await env.enqueueVerify({ repository: 'team/app', tag: '1.0.0', digest: bad, decision: 'untrusted' });
    await waitFor(async () => (await violationOf(v, 'team/app', '1.0.0')) === 1, 1000, 'violation gauge');
    const elapsed = Date.now() - t0;
    expect(elapsed).toBeLessThan(1000);
    const text = await scrape(replica);
    expect(metricValue(text, 'signet_tag_violation', { registry: 'local', repository: 'team/app', tag: '1.0.0', digest: bad })).toBe(1);

    prometheus = await startPrometheus({ targets: [`127.0.0.1:${v.port}`, `127.0.0.1:${replica.port}`], ruleFiles: [RULES] });
    const p = prometheus;
    await waitFor(() => alertFiring(p, { alertname: 'SignetUnsignedTagOverwrite', digest: bad }), 20_000, 'alert firing');
    const alert = (await p.alerts()).find((a) => a.labels.alertname === 'SignetUnsignedTagOverwrite');
    expect(alert?.labels).toMatchObject({ severity: 'critical', repository: 'team/app', tag: '1.0.0' });
    expect(alert?.annotations.runbook_url).toMatch(/^https:\/\//);
  });

  it('clears when an operator acknowledges it', async () => {
    const v = await start();
    const bad = await unsignedOverwrite(v, 'team/ack', 'v1');
    expect(await acknowledgeTag(shared, { registry: 'local', repository: 'team/ack', tag: 'v1' })).toEqual({
      kind: 'acknowledged',
      digest: bad,
      traces: [bad],
    });
    expect(await violationOf(v, 'team/ack', 'v1')).toBeUndefined();
    // A rescan does not bring an acknowledged violation back.
    await rescan(v);
    expect(await stateOf(v, 'team/ack', 'v1')).toMatchObject({ digest: bad, flag: 'acknowledged' });
    expect(await violationOf(v, 'team/ack', 'v1')).toBeUndefined();
  });

  it('clears when the tag points to a validly signed digest again', async () => {
    const v = await start();
    await unsignedOverwrite(v, 'team/heal', 'v1');
    const good = await trustedPush(v, 'team/heal', 'v1');
    expect(await stateOf(v, 'team/heal', 'v1')).toMatchObject({ digest: good, verdict: 'signed', flag: 'none' });
    expect(await violationOf(v, 'team/heal', 'v1')).toBeUndefined();
  });
});

describe('with webhooks off (rescan only)', () => {
  it('finds the unsigned overwrite on the next rescan', async () => {
    const v = await start({ gracePeriod: 0 });
    const good = await env.push('team/quiet:1.0.0', CI_BOT);
    await env.sign('team/quiet', '1.0.0', good);
    await rescan(v);
    expect(await stateOf(v, 'team/quiet', '1.0.0')).toMatchObject({ digest: good, verdict: 'signed' });
    const bad = await env.push('team/quiet:1.0.0', MALLORY);
    await rescan(v);
    expect(await stateOf(v, 'team/quiet', '1.0.0')).toMatchObject({ digest: bad, verdict: 'unsigned', flag: 'violation' });
    expect(await violationOf(v, 'team/quiet', '1.0.0')).toBe(1);
  });

  it('calls a new digest pending within the grace period, and a violation once the grace period is over', async () => {
    const v = await start({ gracePeriod: '2s', repositories: ['team/grace'] });
    const good = await env.push('team/grace:1.0.0', CI_BOT);
    await env.sign('team/grace', '1.0.0', good);
    await rescan(v);
    const bad = await env.push('team/grace:1.0.0', MALLORY);
    await rescan(v);
    expect(await stateOf(v, 'team/grace', '1.0.0')).toMatchObject({ digest: bad, verdict: 'pending', flag: 'none' });
    expect(await violationOf(v, 'team/grace', '1.0.0')).toBeUndefined();
    expect(metricValue(await scrape(v), 'signet_pending_oldest_seconds', { registry: 'local' })).toBeGreaterThanOrEqual(0);
    // No further rescan: the re-check scheduled for the end of the grace period judges it.
    await waitFor(async () => (await violationOf(v, 'team/grace', '1.0.0')) === 1, 8000, 'violation after grace');
    expect(await stateOf(v, 'team/grace', '1.0.0')).toMatchObject({ verdict: 'unsigned', flag: 'violation' });
    expect(metricValue(await scrape(v), 'signet_pending_oldest_seconds', { registry: 'local' })).toBe(0);
  });

  it('calls a tag first seen unsigned "unsigned" (a warning), not a violation', async () => {
    const v = await start({ gracePeriod: 0, repositories: ['team/legacy'] });
    await env.push('team/legacy:old', MALLORY);
    await rescan(v);
    expect(await stateOf(v, 'team/legacy', 'old')).toMatchObject({ verdict: 'unsigned', flag: 'none' });
    const text = await scrape(v);
    expect(metricValue(text, 'signet_unsigned_tags', { registry: 'local' })).toBe(1);
    expect(metricValue(text, 'signet_tag_violation')).toBeUndefined();
  });
});

it('judges a valid signature copied from another digest invalid, and a violation', async () => {
  const v = await start();
  const good = await trustedPush(v, 'team/copy', '1.0.0');
  const bad = await env.push('team/copy:1.0.0', MALLORY);
  // The signature layer of the good digest (payload claims `good`), placed on the bad digest's .sig tag.
  await env.sign('team/copy', '1.0.0', bad, { payloadDigest: good });
  await env.enqueueVerify({ repository: 'team/copy', tag: '1.0.0', digest: bad, decision: 'untrusted' });
  await waitFor(async () => (await stateOf(v, 'team/copy', '1.0.0'))?.digest === bad, 15_000, 'verdict');
  expect(await stateOf(v, 'team/copy', '1.0.0')).toMatchObject({ verdict: 'invalid', flag: 'violation' });
  expect(metricValue(await scrape(v), 'signet_tag_overwrites_total', { result: 'invalid' })).toBe(1);
});

it('rejects signatures by an unknown key or for another tag', async () => {
  const v = await start({ gracePeriod: 0 });
  const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
  const a = await env.push('team/keys:a', CI_BOT);
  await env.sign('team/keys', 'a', a, { key: other });
  const b = await env.push('team/keys:b', CI_BOT);
  await env.sign('team/keys', 'b', b, { identity: `${env.registry.host}/team/keys:other` });
  const c = await env.push('team/keys:c', CI_BOT);
  await env.sign('team/keys', 'c', c, { identity: `${env.registry.host}/team/keys` });
  await rescan(v);
  expect(await stateOf(v, 'team/keys', 'a')).toMatchObject({ verdict: 'invalid' });
  expect(await stateOf(v, 'team/keys', 'b')).toMatchObject({ verdict: 'invalid' });
  // Repository identity (cosign's tagless form) is accepted.
  expect(await stateOf(v, 'team/keys', 'c')).toMatchObject({ verdict: 'signed' });
});

it('requires the key a repository rule names there, and the default keys elsewhere', async () => {
  const team = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const teamKeyPath = join(env.dir, 'team-strict.pub');
  writeFileSync(teamKeyPath, team.publicKey.export({ type: 'spki', format: 'pem' }));
  const v = await start({ gracePeriod: 0, repositoryKeys: [{ repositories: ['strict/*'], keys: [teamKeyPath] }] });
  const byDefaultKey = await env.push('strict/app:a', CI_BOT);
  await env.sign('strict/app', 'a', byDefaultKey);
  const byTeamKey = await env.push('strict/app:b', CI_BOT);
  await env.sign('strict/app', 'b', byTeamKey, { key: team.privateKey });
  const elsewhere = await env.push('loose/app:a', CI_BOT);
  await env.sign('loose/app', 'a', elsewhere, { key: team.privateKey });
  const defaultElsewhere = await env.push('loose/app:b', CI_BOT);
  await env.sign('loose/app', 'b', defaultElsewhere);
  await rescan(v);
  expect(await stateOf(v, 'strict/app', 'a')).toMatchObject({ verdict: 'invalid' });
  expect(await stateOf(v, 'strict/app', 'b')).toMatchObject({ verdict: 'signed' });
  expect(await stateOf(v, 'loose/app', 'a')).toMatchObject({ verdict: 'invalid' });
  expect(await stateOf(v, 'loose/app', 'b')).toMatchObject({ verdict: 'signed' });
});

it('marks a failed registry lookup error, never unsigned, and retries until it succeeds', async () => {
  const v = await start({ gracePeriod: 0, repositories: ['team/down'] });
  const digest = await trustedPush(v, 'team/down', '1.0.0');
  await whileStopped(env.registry, async () => {
    await env.enqueueVerify({ repository: 'team/down', tag: '1.0.0', digest, decision: 'signed' });
    await waitFor(async () => (await stateOf(v, 'team/down', '1.0.0'))?.verdict === 'error', 10_000, 'error verdict');
    const text = await scrape(v);
    expect(metricValue(text, 'signet_verify_errors_total', { registry: 'local' })).toBeGreaterThan(0);
    expect(metricValue(text, 'signet_unsigned_tags', { registry: 'local' })).toBe(0);
    expect(metricValue(text, 'signet_tag_violation')).toBeUndefined();
    expect(metricValue(text, 'signet_verdicts', { registry: 'local', verdict: 'error' })).toBe(1);
  });
  // The failed job is retried with backoff and finds the tag signed again.
  await waitFor(async () => (await stateOf(v, 'team/down', '1.0.0'))?.verdict === 'signed', 15_000, 'signed after retry');
});

it('forgets a deleted tag and its violation', async () => {
  const v = await start({ gracePeriod: 0 });
  const bad = await unsignedOverwrite(v, 'team/gone', 'x');
  await deleteManifest('team/gone', bad);
  await rescan(v);
  expect(await stateOf(v, 'team/gone', 'x')).toBeUndefined();
  expect(await violationOf(v, 'team/gone', 'x')).toBeUndefined();
});

it('forgets a tag on a deleted decision from the signer', async () => {
  const v = await start();
  const digest = await trustedPush(v, 'team/del', 'y');
  // As in production, the decision follows a delete in the registry (else the next rescan would see the tag again).
  await deleteManifest('team/del', digest);
  await env.enqueueVerify({ repository: 'team/del', tag: 'y', decision: 'deleted' });
  await waitFor(async () => (await stateOf(v, 'team/del', 'y')) === undefined, 15_000, 'tag forgotten');
});

it('notices on a rescan that an unsigned tag was signed since, and clears its violation', async () => {
  const v = await start({ gracePeriod: 0 });
  const bad = await unsignedOverwrite(v, 'team/late', '1');
  await rescan(v);
  expect(await stateOf(v, 'team/late', '1')).toMatchObject({ digest: bad, verdict: 'unsigned', flag: 'violation' });
  // An operator vouches for the image by signing it with the trusted key (as `cosign sign --key` would),
  // with no signer job behind it: the next rescan sees the new .sig tag in the listing and looks again.
  await env.sign('team/late', '1', bad);
  await rescan(v);
  expect(await stateOf(v, 'team/late', '1')).toMatchObject({ digest: bad, verdict: 'signed', flag: 'none' });
  expect(await violationOf(v, 'team/late', '1')).toBeUndefined();
});

it('notices on a rescan that an invalidly signed tag gained a valid signature, and clears its violation', async () => {
  const v = await start({ gracePeriod: 0, repositories: ['team/resign'] });
  const good = await trustedPush(v, 'team/resign', '1');
  const bad = await env.push('team/resign:1', MALLORY);
  await env.sign('team/resign', '1', bad, { payloadDigest: good });
  await env.enqueueVerify({ repository: 'team/resign', tag: '1', digest: bad, decision: 'untrusted' });
  await waitFor(async () => (await violationOf(v, 'team/resign', '1')) === 1, 15_000, 'violation');
  expect(await stateOf(v, 'team/resign', '1')).toMatchObject({ digest: bad, verdict: 'invalid' });
  // A valid signature appended to the same .sig tag: the listing looks just as before.
  await env.sign('team/resign', '1', bad);
  await rescan(v);
  expect(await stateOf(v, 'team/resign', '1')).toMatchObject({ digest: bad, verdict: 'signed', flag: 'none' });
  expect(await violationOf(v, 'team/resign', '1')).toBeUndefined();
  // Settled again: the next rescan fetches nothing for it.
  const fetched = metricValue(await scrape(v), 'signet_signatures_fetched_total', { registry: 'local' });
  await rescan(v);
  expect(metricValue(await scrape(v), 'signet_signatures_fetched_total', { registry: 'local' })).toBe(fetched);
});

it('fetches no signatures on a rescan when nothing changed', async () => {
  const v = await start({ gracePeriod: 0, repositories: ['team/still'] });
  for (const tag of ['a', 'b', 'c']) await env.sign('team/still', tag, await env.push(`team/still:${tag}`, CI_BOT));
  await env.push('team/still:d', CI_BOT);
  await rescan(v);
  const before = metricValue(await scrape(v), 'signet_signatures_fetched_total', { registry: 'local' }) ?? 0;
  // The three signed tags are looked up; the unsigned one, first seen with no .sig tag in the listing, is not.
  expect(before).toBe(3);
  await rescan(v);
  expect(metricValue(await scrape(v), 'signet_signatures_fetched_total', { registry: 'local' })).toBe(before);
  const text = await scrape(v);
  expect(metricValue(text, 'signet_verdicts', { verdict: 'signed' })).toBe(3);
  expect(metricValue(text, 'signet_rescan_last_success_timestamp_seconds')).toBeGreaterThan(Date.now() / 1000 - 60);
});
