import { Redis } from 'ioredis';
import { generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DigestLock } from '@signet/queue';
import { digestOf, DOCKER_MANIFEST, SIGNATURE_ANNOTATION, signatureTag, SIMPLE_SIGNING } from '@signet/oci';
import { parseImageManifest, RegistryClient } from '@signet/registry';
import { attachBundle, signatureImage, signatureLayer, SignatureStore, type ExistingSignature } from '../src';
import { pushImage, sharedDir, startRedis, startRegistry, type RegistryServer } from '@signet/testing';
import { clientFor, creds, PASSWORD, USER } from './helpers';

const fixture = (...p: string[]) => readFileSync(sharedDir('fixtures', 'cosign', ...p));

function newKey() {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' });
}
function payloadFor(digest: string, repo = '127.0.0.1/sig'): Buffer {
  return Buffer.from(
    `{"critical":{"identity":{"docker-reference":"${repo}"},"image":{"docker-manifest-digest":"${digest}"},"type":"cosign container image signature"},"optional":null}`,
  );
}
function signWith(key: KeyObject, payload: Buffer): string {
  return sign('sha256', payload, { key, dsaEncoding: 'der' }).toString('base64');
}
/** The caller's DupeDetector predicate: the existing signature verifies with our key. */
const verifiesWith = (key: KeyObject) => (existing: ExistingSignature) =>
  verify('sha256', existing.payload, { key, dsaEncoding: 'der' }, Buffer.from(existing.signature, 'base64'));

describe('SignatureStore on Distribution with basic auth', () => {
  let registry: RegistryServer;
  let client: RegistryClient;
  let store: SignatureStore;

  beforeAll(async () => {
    registry = await startRegistry({ users: { [USER]: PASSWORD } });
    client = clientFor(registry, creds);
    store = new SignatureStore(client, { settleMs: 20 });
  });
  afterAll(async () => {
    await client.close();
    await registry.teardown();
  });

  it('stores one signature with the exact config and manifest bytes cosign writes', async () => {
    const payload = fixture('derived', 'dir-img-cosign-valid.payload.json');
    const raw = fixture('containers-image', 'dir-img-cosign-valid.signature-1');
    const signature = JSON.parse(raw.subarray(raw.indexOf(0x0a) + 1).toString()).annotations[SIGNATURE_ANNOTATION];
    const digest = JSON.parse(payload.toString()).critical.image['docker-manifest-digest'];
    const result = await store.append('cosign-signed-single-sample', digest, { payload, signature });
    expect(result).toMatchObject({ status: 'appended', layers: 1 });
    const stored = await client.getManifest('cosign-signed-single-sample', signatureTag(digest));
    expect(stored.bytes.equals(fixture('derived', 'dir-img-cosign-valid.sig-manifest.json'))).toBe(true);
    const configDigest = parseImageManifest(stored.bytes).config.digest;
    expect(
      (await client.getBlob('cosign-signed-single-sample', configDigest)).equals(
        fixture('derived', 'dir-img-cosign-valid.sig-config.json'),
      ),
    ).toBe(true);
  });

  it('returns no signatures for a digest without a .sig tag', async () => {
    const digest = await pushImage(registry.url, 'sig/none:1', creds);
    expect(await store.list('sig/none', digest)).toEqual([]);
  });

  it('appends a second signature as a second layer and reads both back', async () => {
    const digest = await pushImage(registry.url, 'sig/two:1', creds);
    const [a, b] = [newKey(), newKey()];
    const payload = payloadFor(digest);
    await store.append('sig/two', digest, { payload, signature: signWith(a.privateKey, payload) });
    await store.append('sig/two', digest, { payload, signature: signWith(b.privateKey, payload), annotations: { team: 'x' } });
    const listed = await store.list('sig/two', digest);
    expect(listed).toHaveLength(2);
    expect(listed.every((s) => s.kind === 'simple-signing' && s.payload.equals(payload))).toBe(true);
    expect(listed[1]).toMatchObject({ annotations: { team: 'x' } });
  });

  it('never adds the same payload and signature twice', async () => {
    const digest = await pushImage(registry.url, 'sig/same:1', creds);
    const key = newKey();
    const input = { payload: payloadFor(digest), signature: signWith(key.privateKey, payloadFor(digest)) };
    expect((await store.append('sig/same', digest, input)).status).toBe('appended');
    expect((await store.append('sig/same', digest, input)).status).toBe('exists');
    expect(await store.list('sig/same', digest)).toHaveLength(1);
  });

  it('skips an equivalent signature by the same key when isDuplicate says so, not one by another key', async () => {
    const digest = await pushImage(registry.url, 'sig/dupe:1', creds);
    const [mine, theirs] = [newKey(), newKey()];
    const payload = payloadFor(digest);
    await store.append('sig/dupe', digest, { payload, signature: signWith(mine.privateKey, payload) });
    /** Appends `payload` signed by `key`, a signature that verifies with the same key counting as a duplicate. */
    const appendUnlessSignedBy = (key: ReturnType<typeof newKey>) =>
      store.append(
        'sig/dupe',
        digest,
        { payload, signature: signWith(key.privateKey, payload) },
        { isDuplicate: verifiesWith(key.publicKey) },
      );
    const again = await appendUnlessSignedBy(mine);
    expect(again.status).toBe('duplicate');
    const other = await appendUnlessSignedBy(theirs);
    expect(other.status).toBe('appended');
    expect(await store.list('sig/dupe', digest)).toHaveLength(2);
  });

  it('keeps both signatures when two writers holding the shared digest lock race on one .sig tag (5 races)', async () => {
    // Distribution has no conditional PUT, so only a lock shared by every writer (the signer's) makes this certain.
    const redis = await startRedis();
    const lockConn = new Redis(redis.url);
    const lock = new DigestLock(lockConn, { prefix: '{signet}', ttlMs: 5000 });
    const other = clientFor(registry, creds);
    const rival = new SignatureStore(other, { settleMs: 20 });
    try {
      for (let race = 0; race < 5; race++) {
        const digest = await pushImage(registry.url, `sig/race:${race}`, creds);
        const payload = payloadFor(digest);
        const [s1, s2] = [signWith(newKey().privateKey, payload), signWith(newKey().privateKey, payload)];
        await Promise.all([
          lock.withLock('local', 'sig/race', digest, () => store.append('sig/race', digest, { payload, signature: s1 })),
          lock.withLock('local', 'sig/race', digest, () => rival.append('sig/race', digest, { payload, signature: s2 })),
        ]);
        const sigs = (await store.list('sig/race', digest)).map((s) => (s.kind === 'simple-signing' ? s.signature : ''));
        expect(sigs.sort()).toEqual([s1, s2].sort());
      }
    } finally {
      await other.close();
      lockConn.disconnect();
      await redis.teardown();
    }
  });

  it('reads and extends a Docker schema2 .sig, skipping layers that are not signatures', async () => {
    const digest = await pushImage(registry.url, 'sig/docker:1', creds);
    const payload = payloadFor(digest);
    const note = Buffer.from('not a signature');
    await client.uploadBlob('sig/docker', payload);
    await client.uploadBlob('sig/docker', note);
    const layers = [
      signatureLayer(payload, signWith(newKey().privateKey, payload)),
      { mediaType: 'text/plain', size: note.length, digest: digestOf(note), annotations: { [SIGNATURE_ANNOTATION]: 'MEUC' } },
    ];
    const image = signatureImage(layers, DOCKER_MANIFEST);
    await client.uploadBlob('sig/docker', image.config);
    await client.putManifest('sig/docker', signatureTag(digest), image.manifest, DOCKER_MANIFEST);
    expect(await store.list('sig/docker', digest)).toHaveLength(1);
    await store.append('sig/docker', digest, { payload, signature: signWith(newKey().privateKey, payload) });
    const after = await client.getManifest('sig/docker', signatureTag(digest));
    expect(after.mediaType).toBe(DOCKER_MANIFEST);
    expect(parseImageManifest(after.bytes).layers.map((l) => l.mediaType)).toEqual([SIMPLE_SIGNING, 'text/plain', SIMPLE_SIGNING]);
    expect(await store.list('sig/docker', digest)).toHaveLength(2);
  });

  it('attaches a sigstore bundle as a referrer (fallback tag) and lists it with its DSSE envelope', async () => {
    const digest = await pushImage(registry.url, 'sig/bundle:1', creds);
    const subject = await client.headManifest('sig/bundle', digest);
    const statement = Buffer.from(
      JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [{ digest: { sha256: digest.slice(7) } }] }),
    );
    const bundle = Buffer.from(
      JSON.stringify({
        mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
        verificationMaterial: { publicKey: { hint: 'x' } },
        dsseEnvelope: { payloadType: 'application/vnd.in-toto+json', payload: statement.toString('base64'), signatures: [{ sig: 'MEUC' }] },
      }),
    );
    const manifestDigest = await attachBundle(client, 'sig/bundle', subject, bundle);
    const listed = await store.list('sig/bundle', digest);
    expect(listed).toEqual([expect.objectContaining({ kind: 'bundle', manifestDigest })]);
    const found = listed[0]!;
    if (found.kind !== 'bundle') throw new Error('expected a bundle');
    expect(found.bundle.equals(bundle)).toBe(true);
    expect(found.envelope.payload.equals(statement)).toBe(true);
    // Attaching to another digest does not show up here.
    expect(await store.list('sig/bundle', await pushImage(registry.url, 'sig/bundle:2', creds))).toEqual([]);
  });
});
