import { generateKeyPairSync } from 'node:crypto';
import { signingKeyFromPrivateKey, verifyBase64Signature } from '@signet/crypto';
import { digestOf, SIGNATURE_ANNOTATION, signatureTag, SIMPLE_SIGNING } from '@signet/oci';
import { RegistryClient, type Descriptor } from '@signet/registry';
import { pushImage, startFaultProxy, startRegistry, type RegistryServer } from '@signet/testing';
import { signDigest, SignatureStore } from '../src';
import { clientFor } from './helpers';
import { writeSignatureTag } from './pushed-signature';

/*
 * The signer's append when whoever can push wrote the digest's `.sig` tag first: what cannot be read or is over
 * the limits is dropped (reported with the reader's codes), the readable layers are kept up to the cap, and
 * the tag is rewritten so a reader with the same limits finds every kept signature and the new one. A failed
 * request still throws.
 */

const MALLORY = { username: 'mallory', password: 'mallory-pw' };
const CI_BOT = { username: 'ci-bot', password: 'ci-bot-pw' };
const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const key = signingKeyFromPrivateKey(keys.privateKey);
const junkLayer = (blob: Buffer, i: number): Descriptor => ({
  mediaType: SIMPLE_SIGNING,
  size: blob.length,
  digest: digestOf(blob),
  annotations: { [SIGNATURE_ANNOTATION]: Buffer.from(`junk-${i}`).toString('base64') },
});

describe('SignatureStore.append over a .sig tag a pusher wrote', () => {
  let registry: RegistryServer;
  let mallory: RegistryClient;
  let signer: RegistryClient;

  beforeAll(async () => {
    registry = await startRegistry({ users: { [MALLORY.username]: MALLORY.password, [CI_BOT.username]: CI_BOT.password } });
    mallory = clientFor(registry, MALLORY);
    signer = clientFor(registry, CI_BOT);
  });
  afterAll(async () => {
    await Promise.all([mallory.close(), signer.close()]);
    await registry.teardown();
  });

  const poison = (repo: string, digest: string, layers: Descriptor[], blobs: Buffer[]) =>
    writeSignatureTag(mallory, repo, digest, layers, blobs);
  const sign = (store: SignatureStore, repo: string, digest: string) =>
    signDigest(store, key, { repository: repo, digest, dockerReference: `${registry.host}/${repo}` });
  /** The signatures a reader with the store's limits finds that verify with the key. */
  async function verified(store: SignatureStore, repo: string, digest: string) {
    const reading = await store.read(repo, digest);
    const ok = reading.signatures.filter(
      (s) => s.kind === 'simple-signing' && verifyBase64Signature(keys.publicKey, s.payload, s.signature),
    );
    return { ok: ok.length, total: reading.signatures.length, rejected: reading.rejected.map((r) => r.code) };
  }

  it('keeps the newest readable layers up to the cap, drops the rest, and the new signature is read', async () => {
    const digest = await pushImage(registry.url, 'ap/many:1', CI_BOT);
    const blob = Buffer.from('{"critical":{"junk":true}}');
    await poison(
      'ap/many',
      digest,
      Array.from({ length: 1200 }, (_, i) => junkLayer(blob, i)),
      [blob],
    );
    const store = new SignatureStore(signer);

    const result = await sign(store, 'ap/many', digest);
    expect(result).toMatchObject({ status: 'appended', layers: 32 });
    expect(result.dropped?.map((d) => d.code)).toEqual(['TOO_MANY_SIGNATURES']);
    expect(await verified(store, 'ap/many', digest)).toEqual({ ok: 1, total: 32, rejected: [] });
    // The newest 31 of mallory's layers stay, oldest first, then ours.
    const sigs = (await store.list('ap/many', digest)).map((s) => (s.kind === 'simple-signing' ? s.signature : ''));
    expect(sigs.slice(0, 31)).toEqual(Array.from({ length: 31 }, (_, i) => Buffer.from(`junk-${1169 + i}`).toString('base64')));
  });

  it('drops layers whose blobs are over the per-blob limit or spend the budget, keeping a valid earlier signature', async () => {
    const digest = await pushImage(registry.url, 'ap/big:1', CI_BOT);
    const limits = { maxBlobBytes: 64 * 1024, maxBytes: 256 * 1024 };
    const store = new SignatureStore(signer, { limits });
    const earlier = await signDigest(store, key, { repository: 'ap/big', digest, dockerReference: `${registry.host}/ap/big:old` });
    expect(earlier.status).toBe('appended');
    const sigTag = await signer.getManifest('ap/big', signatureTag(digest));
    const kept = JSON.parse(sigTag.bytes.toString()).layers as Descriptor[];
    const over = Buffer.alloc(65 * 1024, 1);
    const spend = [2, 3, 4].map((i) => Buffer.alloc(60 * 1024, i));
    await poison('ap/big', digest, [...kept, junkLayer(over, 0), ...spend.map((b, i) => junkLayer(b, i + 1))], [over, ...spend]);
    // The whole of what mallory wrote would pass the budget: the earlier signature, first, is still read, but
    // a new one appended after it all would not be.
    const result = await sign(store, 'ap/big', digest);
    expect(result.status).toBe('appended');
    expect(result.dropped?.map((d) => d.code).sort()).toEqual(['ARTIFACT_TOO_LARGE', 'SIGNATURE_BYTES_EXCEEDED']);
    expect(await verified(store, 'ap/big', digest)).toMatchObject({ ok: 2, rejected: [] });
  });

  it('never counts an unreadable copy of a signature as "already signed", and repairs the tag', async () => {
    const digest = await pushImage(registry.url, 'ap/dup:1', CI_BOT);
    const store = new SignatureStore(signer, { limits: { maxLayers: 4 } });
    expect((await sign(store, 'ap/dup', digest)).status).toBe('appended');
    const ours = (JSON.parse((await signer.getManifest('ap/dup', signatureTag(digest))).bytes.toString()).layers as Descriptor[])[0]!;
    // Mallory keeps our layer but buries it under more than any reader reads: it is read no more.
    const blob = Buffer.from('{"junk":1}');
    await poison('ap/dup', digest, [...Array.from({ length: 6 }, (_, i) => junkLayer(blob, i)), ours], [blob]);
    expect((await verified(store, 'ap/dup', digest)).ok).toBe(0);

    const again = await sign(store, 'ap/dup', digest);
    expect(again.status).toBe('duplicate');
    expect(again.dropped?.map((d) => d.code)).toEqual(['TOO_MANY_SIGNATURES']);
    // The newest three layers (the cap less one) are kept: two of mallory's and ours, found again.
    expect(await verified(store, 'ap/dup', digest)).toEqual({ ok: 1, total: 3, rejected: [] });
  });

  it('replaces a .sig manifest that is not JSON (a registry that stores anything)', async () => {
    const digest = await pushImage(registry.url, 'ap/junk:1', CI_BOT);
    const proxy = await startFaultProxy(registry.url);
    const tag = signatureTag(digest);
    proxy.fault = (req, nth) =>
      req.method === 'GET' && req.url?.endsWith(`/manifests/${tag}`) && nth === 0
        ? {
            kind: 'respond',
            status: 200,
            headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
            body: '{"schemaVersion": 2, not json',
          }
        : undefined;
    const viaProxy = clientFor(proxy, CI_BOT);
    try {
      const result = await sign(new SignatureStore(viaProxy), 'ap/junk', digest);
      expect(result.status).toBe('appended');
      expect(result.dropped?.map((d) => d.code)).toEqual(['MALFORMED_ARTIFACT']);
      expect(await verified(new SignatureStore(signer), 'ap/junk', digest)).toEqual({ ok: 1, total: 1, rejected: [] });
    } finally {
      await viaProxy.close();
      await proxy.close();
    }
  });

  it('still throws when the registry fails a request for a blob of the .sig tag, so the job is retried', async () => {
    const digest = await pushImage(registry.url, 'ap/down:1', CI_BOT);
    const blob = Buffer.from('{"junk":2}');
    await poison('ap/down', digest, [junkLayer(blob, 0)], [blob]);
    const proxy = await startFaultProxy(registry.url);
    proxy.fault = (req) => (req.method === 'GET' && req.url?.includes('/blobs/') ? { kind: 'respond', status: 503 } : undefined);
    const viaProxy = clientFor(proxy, { ...CI_BOT, retries: 0 });
    try {
      await expect(sign(new SignatureStore(viaProxy), 'ap/down', digest)).rejects.toMatchObject({ code: 'REGISTRY_UNAVAILABLE' });
      expect(proxy.forwardedCount('PUT', '/manifests/')).toBe(0);
    } finally {
      await viaProxy.close();
      await proxy.close();
    }
  });
});
