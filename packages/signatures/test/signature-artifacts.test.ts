import { generateKeyPairSync, sign } from 'node:crypto';
import { dssePae, signBytes, signingKeyFromPrivateKey } from '@signet/crypto';
import {
  COSIGN_SIGN_PREDICATE_TYPE,
  digestOf,
  IN_TOTO_PAYLOAD_TYPE,
  OCI_MANIFEST,
  SIGNATURE_ANNOTATION,
  signatureTag,
  SIGSTORE_BUNDLE,
  SIMPLE_SIGNING,
} from '@signet/oci';
import { addToReferrersIndex, RegistryClient, type Descriptor } from '@signet/registry';
import { pushImage, startFaultProxy, startRegistry, type RegistryServer } from '@signet/testing';
import { attachBundle, signDigest, SignatureStore } from '../src';
import { clientFor } from './helpers';
import { writeSignatureTag } from './pushed-signature';

/*
 * Reading a digest's signatures when whoever can push wrote them: anything they wrote that cannot be read is
 * a rejected artifact (the rest is still read), never a thrown error, and the bytes read are bounded.
 */

const MALLORY = { username: 'mallory', password: 'mallory-pw' };
const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const signWith = (payload: Buffer) => sign('sha256', payload, { key, dsaEncoding: 'der' }).toString('base64');
const payloadFor = (digest: string) =>
  Buffer.from(
    `{"critical":{"identity":{"docker-reference":"127.0.0.1/x"},"image":{"docker-manifest-digest":"${digest}"},"type":"cosign container image signature"},"optional":null}`,
  );
const layerOf = (blob: Buffer, signature = signWith(blob)): Descriptor => ({
  mediaType: SIMPLE_SIGNING,
  size: blob.length,
  digest: digestOf(blob),
  annotations: { [SIGNATURE_ANNOTATION]: signature },
});

describe('SignatureStore reading artifacts a pusher wrote', () => {
  let registry: RegistryServer;
  let client: RegistryClient;

  beforeAll(async () => {
    registry = await startRegistry({ users: { [MALLORY.username]: MALLORY.password } });
    client = clientFor(registry, MALLORY);
  });
  afterAll(async () => {
    await client.close();
    await registry.teardown();
  });

  const writeSig = (repo: string, digest: string, layers: Descriptor[], blobs: Buffer[]) =>
    writeSignatureTag(client, repo, digest, layers, blobs);

  it('rejects a layer whose blob is over the per-blob limit instead of throwing, and reads the others', async () => {
    const digest = await pushImage(registry.url, 'art/big:1', MALLORY);
    const big = Buffer.concat([payloadFor(digest), Buffer.alloc(64 * 1024, 0x20)]);
    const small = payloadFor(digest);
    await writeSig('art/big', digest, [layerOf(big), layerOf(small)], [big, small]);
    const reading = await new SignatureStore(client, { limits: { maxBlobBytes: 16 * 1024 } }).read('art/big', digest);
    expect(reading.signatures).toHaveLength(1);
    expect(reading.rejected).toEqual([expect.objectContaining({ code: 'ARTIFACT_TOO_LARGE' })]);
    // The default limit reads both.
    expect((await new SignatureStore(client).read('art/big', digest)).signatures).toHaveLength(2);
  });

  it('keeps a layer that is not JSON as a signature to judge, beside the others', async () => {
    const digest = await pushImage(registry.url, 'art/junk:1', MALLORY);
    const junk = Buffer.from('{"critical": not json');
    await writeSig('art/junk', digest, [layerOf(junk), layerOf(payloadFor(digest))], [junk, payloadFor(digest)]);
    const reading = await new SignatureStore(client).read('art/junk', digest);
    expect(reading.signatures).toHaveLength(2);
    expect(reading.rejected).toEqual([]);
  });

  it('reads 200 layers of one ~4 MiB blob by fetching it once, caps the layers and bounds the bytes read', async () => {
    const digest = await pushImage(registry.url, 'art/heavy:1', MALLORY);
    const blob = Buffer.concat([payloadFor(digest), Buffer.alloc(4 * 1024 * 1024 - 64 * 1024, 0x20)]);
    const layers = Array.from({ length: 200 }, (_, i) => layerOf(blob, signWith(Buffer.from([i]))));
    const manifest = await writeSig('art/heavy', digest, layers, [blob]);
    const started = Date.now();
    const reading = await new SignatureStore(client, { bundles: false }).read('art/heavy', digest);
    expect(reading.signatures).toHaveLength(32);
    expect(reading.rejected).toEqual([expect.objectContaining({ code: 'TOO_MANY_SIGNATURES' })]);
    // The manifest, then the blob once: each repeated layer reuses it.
    expect(reading.bytesRead).toBe(manifest.length + blob.length);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('stops reading blobs once the bytes read for one digest reach the limit', async () => {
    const digest = await pushImage(registry.url, 'art/budget:1', MALLORY);
    const blobs = [0, 1, 2].map((i) => Buffer.concat([payloadFor(digest), Buffer.alloc(10_000, 0x20 + i)]));
    const manifest = await writeSig(
      'art/budget',
      digest,
      blobs.map((b) => layerOf(b)),
      blobs,
    );
    const store = new SignatureStore(client, { bundles: false, limits: { maxBytes: manifest.length + 2 * blobs[0]!.length } });
    const reading = await store.read('art/budget', digest);
    expect(reading.signatures).toHaveLength(2);
    expect(reading.rejected).toEqual([expect.objectContaining({ code: 'SIGNATURE_BYTES_EXCEEDED' })]);
    expect(reading.bytesRead).toBe(manifest.length + 2 * blobs[0]!.length);
  });

  it('rejects a bundle blob over the limit, and a referrer listed in the fallback index for another subject', async () => {
    const [digest, other] = [
      await pushImage(registry.url, 'art/bundle:1', MALLORY),
      await pushImage(registry.url, 'art/bundle:2', MALLORY),
    ];
    const head = await client.headManifest('art/bundle', digest);
    const bundle = Buffer.concat([Buffer.from('{"mediaType":"x","pad":"'), Buffer.alloc(20_000, 0x61), Buffer.from('"}')]);
    await attachBundle(client, 'art/bundle', { mediaType: head.mediaType, size: head.size, digest }, bundle);
    // A bundle referrer of the other digest, listed under this one by editing the fallback index (an ordinary tag).
    const otherHead = await client.headManifest('art/bundle', other);
    const foreign = await attachBundle(
      client,
      'art/bundle',
      { mediaType: otherHead.mediaType, size: otherHead.size, digest: other },
      Buffer.from('{}'),
    );
    const size = (await client.getManifest('art/bundle', foreign)).bytes.length;
    await addToReferrersIndex(client, 'art/bundle', digest, {
      mediaType: OCI_MANIFEST,
      size,
      digest: foreign,
      artifactType: SIGSTORE_BUNDLE,
    });
    const reading = await new SignatureStore(client, { limits: { maxBlobBytes: 16 * 1024 } }).read('art/bundle', digest);
    expect(reading.signatures).toEqual([]);
    expect(reading.rejected.map((r) => r.code).sort()).toEqual(['ARTIFACT_TOO_LARGE', 'SUBJECT_MISMATCH']);
  });

  it('fetches a referrer listed many times in the fallback index once', async () => {
    const digest = await pushImage(registry.url, 'art/repeat:1', MALLORY);
    const head = await client.headManifest('art/repeat', digest);
    const bundle = Buffer.from(
      '{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","dsseEnvelope":{"payloadType":"t","payload":"","signatures":[{"sig":""}]}}',
    );
    const manifestDigest = await attachBundle(client, 'art/repeat', { mediaType: head.mediaType, size: head.size, digest }, bundle);
    const entry = (await client.getManifest('art/repeat', signatureTag(digest).replace(/\.sig$/, ''))).bytes;
    const index = JSON.parse(entry.toString());
    index.manifests = Array.from({ length: 100 }, () => index.manifests[0]);
    const tagged = Buffer.from(JSON.stringify(index));
    await client.putManifest('art/repeat', signatureTag(digest).replace(/\.sig$/, ''), tagged, index.mediaType);
    const reading = await new SignatureStore(client).read('art/repeat', digest);
    expect(reading.signatures).toEqual([expect.objectContaining({ kind: 'bundle', manifestDigest })]);
    expect(reading.bytesRead).toBeLessThan(tagged.length + 2_000);
  });

  it('rejects a layer whose blob is gone (a 404 the pusher can cause), reading the rest', async () => {
    const digest = await pushImage(registry.url, 'art/gone:1', MALLORY);
    const gone = Buffer.concat([payloadFor(digest), Buffer.from(' ')]);
    await writeSig('art/gone', digest, [layerOf(gone), layerOf(payloadFor(digest))], [gone, payloadFor(digest)]);
    const auth = 'Basic ' + Buffer.from(`${MALLORY.username}:${MALLORY.password}`).toString('base64');
    const res = await fetch(`${registry.url}/v2/art/gone/blobs/${digestOf(gone)}`, { method: 'DELETE', headers: { authorization: auth } });
    expect(res.status).toBe(202);
    const reading = await new SignatureStore(client).read('art/gone', digest);
    expect(reading.signatures).toHaveLength(1);
    expect(reading.rejected).toEqual([expect.objectContaining({ code: 'MISSING_CONTENT' })]);
  });

  it('throws when the registry fails to answer (503 on a blob), never calling that a rejected artifact', async () => {
    const digest = await pushImage(registry.url, 'art/down:1', MALLORY);
    const payload = payloadFor(digest);
    await writeSig('art/down', digest, [layerOf(payload)], [payload]);
    const proxy = await startFaultProxy(registry.url);
    proxy.fault = (req) => (req.method === 'GET' && req.url?.includes('/blobs/') ? { kind: 'respond', status: 503 } : undefined);
    const viaProxy = clientFor(proxy, { ...MALLORY, retries: 0 });
    try {
      await expect(new SignatureStore(viaProxy).read('art/down', digest)).rejects.toMatchObject({ code: 'REGISTRY_UNAVAILABLE' });
    } finally {
      await viaProxy.close();
      await proxy.close();
    }
  });

  it('does not take an attestation, or a bundle naming another image, by the signing key as already signed', async () => {
    const digest = await pushImage(registry.url, 'art/signed:1', MALLORY);
    const head = await client.headManifest('art/signed', digest);
    const dockerReference = `${registry.host}/art/signed:1`;
    const bundle = (predicateType: string, name: string) => {
      const statement = Buffer.from(
        JSON.stringify({
          _type: 'https://in-toto.io/Statement/v1',
          subject: [{ name, digest: { sha256: digest.slice(7) } }],
          predicateType,
          predicate: {},
        }),
      );
      const sig = signBytes(key, dssePae(IN_TOTO_PAYLOAD_TYPE, statement)).toString('base64');
      return Buffer.from(
        JSON.stringify({
          mediaType: SIGSTORE_BUNDLE,
          dsseEnvelope: { payloadType: IN_TOTO_PAYLOAD_TYPE, payload: statement.toString('base64'), signatures: [{ sig }] },
        }),
      );
    };
    await attachBundle(
      client,
      'art/signed',
      { mediaType: head.mediaType, size: head.size, digest },
      bundle('https://slsa.dev/provenance/v1', dockerReference),
    );
    await attachBundle(
      client,
      'art/signed',
      { mediaType: head.mediaType, size: head.size, digest },
      bundle(COSIGN_SIGN_PREDICATE_TYPE, `${registry.host}/art/other:1`),
    );
    const store = new SignatureStore(client);
    const input = { repository: 'art/signed', digest, dockerReference };
    expect((await signDigest(store, signingKeyFromPrivateKey(key), input, { layout: 'bundle' })).status).toBe('appended');
    expect((await signDigest(store, signingKeyFromPrivateKey(key), input, { layout: 'bundle' })).status).toBe('duplicate');
  });
});
