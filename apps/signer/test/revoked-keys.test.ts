// After a key compromise: a signature by the stolen key must never let the signer skip a trusted push, and
// every trusted digest it decides on is recorded, the evidence `signet resign` re-signs from.
import { PublicKeySet, verifyDsseStatement, verifySignatureLayers } from '@signet/crypto';
import { pushJobId, type PushJob } from '@signet/queue';
import { SignatureStore, signDigest } from '@signet/signatures';
import { pushEvent, pushImage, pushIndex } from '@signet/testing';
import { SigningRecords } from '@signet/verification';
import { processPush, type PushJobHandle } from '../src/process-push';
import { CI_BOT, MALLORY, newKey, PREFIX, startEnv, type TestEnv } from './env';

function job(event: Partial<PushJob['event']> & { tag: string; digest: string }): PushJobHandle {
  const full: PushJob['event'] = pushEvent({ actor: CI_BOT.username, ...event });
  return { id: pushJobId(full), data: { v: 1, event: full, receivedAt: new Date().toISOString() }, attemptsMade: 0, maxAttempts: 8 };
}

describe('the signer after a key compromise (real registry and Redis)', () => {
  let env: TestEnv;

  beforeAll(async () => {
    env = await startEnv();
  });
  afterAll(() => env.teardown());

  it('signs a trusted push whose digest a revoked previous key already signed', async () => {
    const stolen = await newKey();
    const digest = await pushImage(env.registry.url, 'team/app:stolen', CI_BOT);
    const r = env.replica({ previousKeys: [stolen.publicKey], revokedKeys: [stolen.publicKey] });
    // The thief signs the very payload the signer would: same digest, identity and annotations.
    await signDigest(r.reg.store, stolen, { repository: 'team/app', digest, dockerReference: `${env.registry.host}/team/app:stolen` });

    expect((await processPush(r.deps, job({ tag: 'stolen', digest }))).decision).toBe('signed');
    const layers = (await r.reg.store.list('team/app', digest)).flatMap((s) => (s.kind === 'simple-signing' ? [s] : []));
    expect(layers).toHaveLength(2);
    expect(verifySignatureLayers(layers, { keys: [env.key.publicKey], expectedDigest: digest }).ok).toBe(true);
  });

  it('signs a trusted push in the bundle layout whose digest a revoked previous key already signed', async () => {
    const stolen = await newKey();
    const digest = await pushImage(env.registry.url, 'team/app:stolen-bundle', CI_BOT);
    const base = env.replica();
    const reg = { ...base.reg, store: new SignatureStore(base.reg.client) };
    const r = env.replica({
      layout: 'bundle',
      registries: new Map([['local', reg]]),
      previousKeys: [stolen.publicKey],
      revokedKeys: [stolen.publicKey],
    });
    await signDigest(
      reg.store,
      stolen,
      { repository: 'team/app', digest, dockerReference: `${env.registry.host}/team/app:stolen-bundle` },
      { layout: 'bundle' },
    );

    expect((await processPush(r.deps, job({ tag: 'stolen-bundle', digest }))).decision).toBe('signed');
    const bundles = (await reg.store.list('team/app', digest)).flatMap((s) => (s.kind === 'bundle' ? [s] : []));
    const ours = PublicKeySet.fromPems([{ pem: env.key.publicKeyPem, source: 'active' }]);
    expect(bundles.filter((b) => verifyDsseStatement(b.envelope, ours, digest).ok)).toHaveLength(1);
  });

  it('still counts a previous key that is not revoked as already signed', async () => {
    const retired = await newKey();
    const other = await newKey();
    const digest = await pushImage(env.registry.url, 'team/app:retired', CI_BOT);
    const r = env.replica({ previousKeys: [retired.publicKey], revokedKeys: [other.publicKey] });
    await signDigest(r.reg.store, retired, { repository: 'team/app', digest, dockerReference: `${env.registry.host}/team/app:retired` });
    expect((await processPush(r.deps, job({ tag: 'retired', digest }))).decision).toBe('already-signed');
  });

  it('records every trusted digest it signs or finds signed, with its index children, and no untrusted one', async () => {
    const records = new SigningRecords(env.conn, PREFIX);
    const r = env.replica({ records, recursive: true });
    const digest = await pushImage(env.registry.url, 'team/rec:1', CI_BOT);
    const first = job({ repository: 'team/rec', tag: '1', digest });
    const before = Date.now();
    expect((await processPush(r.deps, first)).decision).toBe('signed');
    expect(await records.get('local', 'team/rec', digest)).toEqual({
      actor: 'ci-bot',
      at: expect.any(Number),
      key: env.key.fingerprint.short,
      pushJobId: first.id,
      identity: `${env.registry.host}/team/rec:1`,
    });
    expect((await records.get('local', 'team/rec', digest))!.at).toBeGreaterThanOrEqual(before);

    // Already signed (a redelivery by another event) is recorded as well: the push was trusted all the same.
    const again = job({ repository: 'team/rec', tag: '1', digest });
    expect((await processPush(r.deps, again)).decision).toBe('already-signed');
    expect((await records.get('local', 'team/rec', digest))!.pushJobId).toBe(again.id);

    const index = await pushIndex(env.registry.url, 'team/rec:multi', CI_BOT);
    await processPush(
      r.deps,
      job({ repository: 'team/rec', tag: 'multi', digest: index.digest, mediaType: 'application/vnd.oci.image.index.v1+json' }),
    );
    for (const d of [index.digest, ...index.children]) expect(await records.get('local', 'team/rec', d)).toBeDefined();

    const evil = await pushImage(env.registry.url, 'team/rec:evil', MALLORY);
    expect((await processPush(r.deps, job({ repository: 'team/rec', tag: 'evil', digest: evil, actor: MALLORY.username }))).decision).toBe(
      'untrusted',
    );
    expect(await records.get('local', 'team/rec', evil)).toBeUndefined();
    expect([...(await records.list('local', 'team/rec')).keys()].sort()).toEqual([digest, index.digest, ...index.children].sort());
  });
});
