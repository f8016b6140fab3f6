import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TagStore } from '@signet/verification';
import { startVerifier, type RunningVerifier } from '../src/service';
import { metricValue, silentLogger, type TestEnv } from './env';
import { firstRescanDone, useVerifierEnv } from './harness';

/*
 * Step 1 of a key compromise: key A is listed in verifier.revokedKeys and the verifier restarted. Tags signed
 * only by A must turn `invalid` (reason `revoked`) at the next rescan, although their digests did not change,
 * and be counted for the one grouped alert, not raised as per-tag overwrite violations or traces.
 */
describe('verifier.revokedKeys', () => {
  let env: TestEnv;
  let shared: TagStore;
  const { start, rescan, trustedPush, stateOf, scrape } = useVerifierEnv((e, s) => {
    env = e;
    shared = s;
  });
  const restarted: RunningVerifier[] = [];
  afterEach(async () => {
    await Promise.all(restarted.splice(0).map((v) => v.close()));
  });

  /** Key B, trusted beside A. */
  function secondKey() {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const path = join(env.dir, `b-${Date.now()}.pub`);
    writeFileSync(path, publicKey.export({ type: 'spki', format: 'pem' }));
    return { privateKey, path };
  }

  /** A verifier replica started on `verifier` overrides, its first scheduled rescan finished. */
  async function restartWith(verifier: Record<string, unknown>): Promise<RunningVerifier> {
    const v = await startVerifier(env.config({ verifier }), { logger: silentLogger, port: 0 });
    restarted.push(v);
    await firstRescanDone(v);
    return v;
  }

  it('turns a tag signed only by the revoked key invalid (reason revoked) and keeps a tag also signed by a trusted key signed', async () => {
    const b = secondKey();
    const keys = [env.publicKeyPath, b.path];
    const before = await restartWith({ keys });
    const onlyA = await trustedPush(before, 'team/app', '1.0.0');
    const both = await trustedPush(before, 'team/app', '2.0.0');
    await env.sign('team/app', '2.0.0', both, { key: b.privateKey });
    await rescan(before);
    expect((await stateOf(before, 'team/app', '1.0.0'))?.verdict).toBe('signed');
    expect((await stateOf(before, 'team/app', '2.0.0'))?.verdict).toBe('signed');
    await before.close();
    restarted.splice(restarted.indexOf(before), 1);

    // A is revoked but, as an operator in a hurry would leave it, still listed in verifier.keys.
    const after = await restartWith({ keys, revokedKeys: [env.publicKeyPath] });
    await rescan(after);

    const revoked = await stateOf(after, 'team/app', '1.0.0');
    expect(revoked).toMatchObject({ digest: onlyA, verdict: 'invalid', flag: 'violation', reason: 'revoked' });
    expect(await stateOf(after, 'team/app', '2.0.0')).toMatchObject({ digest: both, verdict: 'signed', flag: 'none' });

    const metrics = await scrape(after);
    expect(metricValue(metrics, 'signet_tag_violation', { tag: '1.0.0', reason: 'revoked' })).toBe(1);
    // Only the grouped alert's series: no `invalid` violation for the overwrite alert, no trace, nothing for 2.0.0.
    expect(metricValue(metrics, 'signet_tag_violation', { tag: '1.0.0', reason: 'invalid' })).toBeUndefined();
    expect(metricValue(metrics, 'signet_tag_violation', { tag: '2.0.0' })).toBeUndefined();
    expect(metricValue(metrics, 'signet_tag_violation_trace', { tag: '1.0.0' })).toBeUndefined();
    expect(await shared.violations()).toEqual([
      { registry: 'local', repository: 'team/app', tag: '1.0.0', digest: onlyA, reason: 'revoked' },
    ]);
  });

  it('clears the revoked report once the tag is signed again by a trusted key, leaving no trace', async () => {
    const b = secondKey();
    const v = await start({ verifier: { keys: [b.path], revokedKeys: [env.publicKeyPath] } });
    const digest = await trustedPush(v, 'team/lib', '1.0.0');
    expect(await stateOf(v, 'team/lib', '1.0.0')).toMatchObject({ verdict: 'invalid', flag: 'violation', reason: 'revoked' });

    await env.sign('team/lib', '1.0.0', digest, { key: b.privateKey });
    await rescan(v);
    expect(await stateOf(v, 'team/lib', '1.0.0')).toMatchObject({ verdict: 'signed', flag: 'none' });
    const metrics = await scrape(v);
    expect(metricValue(metrics, 'signet_tag_violation', { repository: 'team/lib', tag: '1.0.0' })).toBeUndefined();
    expect(metricValue(metrics, 'signet_tag_violation_trace', { repository: 'team/lib', tag: '1.0.0' })).toBeUndefined();
  });
});
