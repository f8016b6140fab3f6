import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { digestOf, OCI_CONFIG, OCI_INDEX, OCI_LAYER_GZIP, OCI_MANIFEST } from '@signet/oci';
import { makeTempDir, removeDir, requireBinary } from './process';

export interface Credentials {
  username: string;
  password: string;
}

export interface BuiltImage {
  manifest: Buffer;
  digest: string;
  blobs: Map<string, Buffer>;
}

/** A one-file ustar archive (enough for a valid, unique image layer). */
function tarOneFile(name: string, content: Buffer): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100);
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(content.length.toString(8).padStart(11, '0') + '\0', 124);
  header.write('14540000000\0', 136);
  header.write('        ', 148);
  header.write('0', 156);
  header.write('ustar\0', 257);
  header.write('00', 263);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  const pad = Buffer.alloc((512 - (content.length % 512)) % 512);
  return Buffer.concat([header, content, pad, Buffer.alloc(1024)]);
}

/** Builds a small OCI image whose digest is new every call. */
export function buildRandomImage(label = 'signet test image', platform = { os: 'linux', architecture: 'amd64' }): BuiltImage {
  const file = Buffer.from(`${label}\n${new Date().toISOString()}\n${randomBytes(16).toString('hex')}\n`);
  const tar = tarOneFile('hello.txt', file);
  const layer = gzipSync(tar);
  const config = Buffer.from(
    JSON.stringify({
      created: '2024-01-01T00:00:00Z',
      ...platform,
      config: { Cmd: ['/hello.txt'] },
      rootfs: { type: 'layers', diff_ids: [digestOf(tar)] },
      history: [{ created: '2024-01-01T00:00:00Z', created_by: 'signet testing' }],
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: digestOf(config), size: config.length },
      layers: [{ mediaType: OCI_LAYER_GZIP, digest: digestOf(layer), size: layer.length }],
    }),
  );
  return {
    manifest,
    digest: digestOf(manifest),
    blobs: new Map([
      [digestOf(config), config],
      [digestOf(layer), layer],
    ]),
  };
}

function authHeader(creds?: Credentials): Record<string, string> {
  return creds ? { authorization: 'Basic ' + Buffer.from(`${creds.username}:${creds.password}`).toString('base64') } : {};
}

async function expectStatus(res: Response, ok: number[], what: string): Promise<void> {
  if (!ok.includes(res.status)) throw new Error(`${what}: HTTP ${res.status} ${await res.text()}`);
}

async function uploadBlob(registryUrl: string, repo: string, digest: string, data: Buffer, creds?: Credentials): Promise<void> {
  const head = await fetch(`${registryUrl}/v2/${repo}/blobs/${digest}`, { method: 'HEAD', headers: authHeader(creds) });
  if (head.status === 200) return;
  const start = await fetch(`${registryUrl}/v2/${repo}/blobs/uploads/`, { method: 'POST', headers: authHeader(creds) });
  await expectStatus(start, [202], `start upload to ${repo}`);
  const location = new URL(start.headers.get('location') ?? '', registryUrl);
  location.searchParams.set('digest', digest);
  const put = await fetch(location, {
    method: 'PUT',
    headers: { ...authHeader(creds), 'content-type': 'application/octet-stream' },
    body: data,
  });
  await expectStatus(put, [201], `upload blob ${digest}`);
}

async function putManifest(
  registryUrl: string,
  repo: string,
  ref: string,
  body: Buffer,
  mediaType: string,
  creds?: Credentials,
): Promise<void> {
  const res = await fetch(`${registryUrl}/v2/${repo}/manifests/${ref}`, {
    method: 'PUT',
    headers: { ...authHeader(creds), 'content-type': mediaType },
    body,
  });
  await expectStatus(res, [201], `put manifest ${repo}:${ref}`);
}

function splitRef(ref: string): { repo: string; tag: string } {
  const i = ref.lastIndexOf(':');
  if (i <= 0) throw new Error(`expected REPO:TAG, got "${ref}"`);
  return { repo: ref.slice(0, i), tag: ref.slice(i + 1) };
}

/**
 * Pushes a new random image to `repo:tag` over the registry's HTTP API (fast; no external tool).
 * Returns the manifest digest.
 */
export async function pushImage(registryUrl: string, ref: string, creds?: Credentials, image = buildRandomImage(ref)): Promise<string> {
  const { repo, tag } = splitRef(ref);
  for (const [digest, data] of image.blobs) await uploadBlob(registryUrl, repo, digest, data, creds);
  await putManifest(registryUrl, repo, tag, image.manifest, OCI_MANIFEST, creds);
  return image.digest;
}

/** Pushes an OCI index of `children` new images (one per platform) to `repo:tag`. */
export async function pushIndex(
  registryUrl: string,
  ref: string,
  creds?: Credentials,
  architectures = ['amd64', 'arm64'],
): Promise<{ digest: string; children: string[] }> {
  const { repo, tag } = splitRef(ref);
  const manifests = [];
  for (const architecture of architectures) {
    const img = buildRandomImage(`${ref} ${architecture}`, { os: 'linux', architecture });
    for (const [digest, data] of img.blobs) await uploadBlob(registryUrl, repo, digest, data, creds);
    await putManifest(registryUrl, repo, img.digest, img.manifest, OCI_MANIFEST, creds);
    manifests.push({ mediaType: OCI_MANIFEST, digest: img.digest, size: img.manifest.length, platform: { os: 'linux', architecture } });
  }
  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }));
  await putManifest(registryUrl, repo, tag, index, OCI_INDEX, creds);
  return { digest: digestOf(index), children: manifests.map((m) => m.digest) };
}

/**
 * Pushes a new random image with the real `skopeo copy` (an OCI layout written to a temp dir), as a CI
 * pipeline would. Slower than pushImage; use it where the client's behaviour matters.
 */
export async function pushImageWithSkopeo(registryHost: string, ref: string, creds?: Credentials): Promise<string> {
  requireBinary('skopeo', 'skopeo');
  const { tag } = splitRef(ref);
  const image = buildRandomImage(ref);
  const dir = makeTempDir('oci');
  try {
    const layout = join(dir, 'oci');
    mkdirSync(join(layout, 'blobs', 'sha256'), { recursive: true });
    const write = (digest: string, data: Buffer) => writeFileSync(join(layout, 'blobs', 'sha256', digest.slice(7)), data);
    for (const [digest, data] of image.blobs) write(digest, data);
    write(image.digest, image.manifest);
    writeFileSync(
      join(layout, 'index.json'),
      JSON.stringify({
        schemaVersion: 2,
        manifests: [
          {
            mediaType: OCI_MANIFEST,
            digest: image.digest,
            size: image.manifest.length,
            annotations: { 'org.opencontainers.image.ref.name': tag },
          },
        ],
      }),
    );
    writeFileSync(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    writeFileSync(join(dir, 'policy.json'), '{"default":[{"type":"insecureAcceptAnything"}]}');
    const args = [
      '--policy',
      join(dir, 'policy.json'),
      'copy',
      '--dest-tls-verify=false',
      '--preserve-digests',
      '--digestfile',
      join(dir, 'digest'),
    ];
    if (creds) args.push('--dest-creds', `${creds.username}:${creds.password}`);
    args.push(`oci:${layout}:${tag}`, `docker://${registryHost}/${ref}`);
    await promisify(execFile)('skopeo', args);
    const pushed = readFileSync(join(dir, 'digest'), 'utf8').trim();
    if (pushed !== image.digest) throw new Error(`skopeo pushed ${pushed}, built ${image.digest}`);
    return pushed;
  } finally {
    removeDir(dir);
  }
}
