// Attack: mallory sees ci-bot's tag move and, before the signer's job runs, writes the `.sig` tag of ci-bot's
// digest herself: layers the signer cannot keep (more than any reader reads, blobs over the limits). A signer
// that fails on what it finds there, or keeps it, leaves ci-bot's honest push unsigned: a denial of signing.
import { digestOf, SIGNATURE_ANNOTATION, signatureTag, SIMPLE_SIGNING } from '@signet/oci';
import { RegistryClient, type Descriptor } from '@signet/registry';
import { DEFAULT_SIGNATURE_LIMITS, signatureImage } from '@signet/signatures';
import { pushImage, waitFor, type RunningService } from '@signet/testing';
import { CI_BOT, MALLORY, signetCli, startSignerEnv, type SignerEnv } from '../signer-env';

describe("a .sig tag mallory wrote for ci-bot's digest before the signer ran (signer as a process)", () => {
  let env: SignerEnv;
  let signer: RunningService;
  let mallory: RegistryClient;

  beforeAll(async () => {
    env = await startSignerEnv();
    signer = await env.startSigner(env.config());
    mallory = new RegistryClient({ name: 'local', url: env.registry.url, insecure: true, dockerConfig: false, ...MALLORY });
  });
  afterAll(async () => {
    await mallory?.close();
    await env?.teardown();
  });

  /** Writes `sha256-<hex>.sig` for `digest` as mallory: `layers` naming `blobs`, which she uploads. */
  async function poison(repo: string, digest: string, layers: Descriptor[], blobs: Buffer[]): Promise<void> {
    for (const blob of blobs) await mallory.uploadBlob(repo, blob);
    const image = signatureImage(layers);
    await mallory.uploadBlob(repo, image.config);
    await mallory.putManifest(repo, signatureTag(digest), image.manifest, image.mediaType);
  }
  const junkLayer = (blob: Buffer, i: number): Descriptor => ({
    mediaType: SIMPLE_SIGNING,
    size: blob.length,
    digest: digestOf(blob),
    annotations: { [SIGNATURE_ANNOTATION]: Buffer.from(`junk-${i}`).toString('base64') },
  });

  async function decisionFor(repo: string, digest: string): Promise<string> {
    await waitFor(
      async () => (await env.verifyJobs()).some((j) => j.repository === repo && j.digest === digest),
      60_000,
      `verify job for ${repo}@${digest}`,
    );
    return (await env.verifyJobs()).find((j) => j.repository === repo && j.digest === digest)!.decision;
  }
  const dropped = async (reason: string) => {
    const text = await (await fetch(`${signer.opsUrl}/metrics`)).text();
    const line = text
      .split('\n')
      .find((l) => l.startsWith('signet_signature_artifacts_dropped_total{') && l.includes(`reason="${reason}"`));
    return Number(line?.split(' ').pop() ?? 0);
  };
  async function assertSignedAndVerifies(repo: string, tag: string, digest: string): Promise<void> {
    expect(await decisionFor(repo, digest)).toBe('signed');
    const verified = await signetCli(['verify', '--key', env.pubKey, '--allow-insecure-registry', `${env.registry.host}/${repo}:${tag}`]);
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.stdout)).toEqual([
      expect.objectContaining({ critical: expect.objectContaining({ image: { 'docker-manifest-digest': digest } }) }),
    ]);
  }

  it('signs anyway when the .sig holds 1,200 junk layers, and the verify job says signed', async () => {
    const digest = await pushImage(env.registry.url, 'team/many:1', CI_BOT);
    const blob = Buffer.from('{"critical":{"junk":true}}');
    await poison(
      'team/many',
      digest,
      Array.from({ length: 1200 }, (_, i) => junkLayer(blob, i)),
      [blob],
    );
    await env.enqueuePush({ repository: 'team/many', tag: '1', digest });

    await assertSignedAndVerifies('team/many', '1', digest);
    expect(await dropped('TOO_MANY_SIGNATURES')).toBeGreaterThan(0);
  });

  it("signs anyway when layer blobs spend a reader's whole byte budget before the new layer, and drops them", async () => {
    const digest = await pushImage(env.registry.url, 'team/big:1', CI_BOT);
    // Two blobs within the per-blob limit that leave a reader of one digest (4 MiB) about 100 bytes for
    // whatever layer is appended after them: a signature there would never be read.
    const budget = DEFAULT_SIGNATURE_LIMITS.maxBytes;
    const first = Buffer.alloc(2 * 1024 * 1024, 1);
    const stand = {
      mediaType: SIMPLE_SIGNING,
      size: 300,
      digest: `sha256:${'0'.repeat(64)}`,
      annotations: { [SIGNATURE_ANNOTATION]: 'x'.repeat(96) },
    };
    const manifestBytes = signatureImage([junkLayer(first, 0), junkLayer(Buffer.alloc(2 * 1024 * 1024 - 4096), 1), stand]).manifest.length;
    const second = Buffer.alloc(budget - first.length - manifestBytes - 100, 2);
    await poison('team/big', digest, [junkLayer(first, 0), junkLayer(second, 1)], [first, second]);
    await env.enqueuePush({ repository: 'team/big', tag: '1', digest });

    await assertSignedAndVerifies('team/big', '1', digest);
    expect(await dropped('SIGNATURE_BYTES_EXCEEDED')).toBeGreaterThan(0);
  });
});
