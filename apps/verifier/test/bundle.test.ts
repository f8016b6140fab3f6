import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { RegistryClient } from '@signet/registry';
import { attachBundle } from '@signet/signatures';
import { waitFor } from '@signet/testing';
import { ScanProgress } from '@signet/verification';
import { startVerifier, type RunningVerifier } from '../src/service';
import { bundleFor, CI_BOT, MALLORY, silentLogger, startEnv, type TestEnv } from './env';

describe('signatures in the Sigstore bundle layout (OCI 1.1 referrers)', () => {
  let env: TestEnv;
  let verifier: RunningVerifier;
  let client: RegistryClient;
  beforeAll(async () => {
    env = await startEnv();
    verifier = await startVerifier(env.config(), { logger: silentLogger, port: 0 });
    client = new RegistryClient({
      name: 'local',
      url: env.registry.url,
      username: CI_BOT.username,
      password: CI_BOT.password,
      insecure: true,
      dockerConfig: false,
    });
  });
  afterAll(async () => {
    await verifier?.close();
    await client?.close();
    await env?.teardown();
  });

  /** Attaches to `repository@digest` a Sigstore bundle signed with `key`, as a referrer of the image. */
  const attachBundleBy = async (repository: string, digest: string, key: KeyObject) => {
    const head = await client.headManifest(repository, digest);
    await attachBundle(client, repository, { mediaType: head.mediaType, size: head.size, digest }, bundleFor(digest, key));
  };

  const verdict = async (repository: string, tag: string, digest: string) => {
    await waitFor(
      async () => (await verifier.ctx.store.read({ registry: 'local', repository, tag })).state?.digest === digest,
      10_000,
      'a verdict',
    );
    return (await verifier.ctx.store.read({ registry: 'local', repository, tag })).state?.verdict;
  };

  it('counts a bundle by a trusted key, and not one by another key, on an overwrite', async () => {
    const first = await env.push('team/bundled:1.0.0');
    await attachBundleBy('team/bundled', first, env.privateKey);
    await env.enqueueVerify({ repository: 'team/bundled', tag: '1.0.0', digest: first, decision: 'signed' });
    expect(await verdict('team/bundled', '1.0.0', first)).toBe('signed');

    const second = await env.push('team/bundled:1.0.0', MALLORY);
    const stranger = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    await attachBundleBy('team/bundled', second, stranger);
    await env.enqueueVerify({ repository: 'team/bundled', tag: '1.0.0', digest: second, decision: 'untrusted' });
    expect(await verdict('team/bundled', '1.0.0', second)).toBe('invalid');
  });

  it('judges a tag a rescan first sees, signed only by a bundle, signed', async () => {
    // No .sig tag: the listing shows the signature only as the sha256-<hex> referrers tag.
    const digest = await env.push('team/bundle-only:1');
    await attachBundleBy('team/bundle-only', digest, env.privateKey);
    const job = await verifier.rescanQueue.add('all', { v: 1, kind: 'all' });
    const progress = new ScanProgress(env.redisClient(), '{signet}');
    await waitFor(async () => job.id !== undefined && (await progress.isComplete(job.id)), 20_000, 'rescan to complete');
    expect(await verdict('team/bundle-only', '1', digest)).toBe('signed');
  });
});
