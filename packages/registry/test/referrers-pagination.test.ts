// The OCI 1.1 referrers API pages a long answer with `Link: <next>; rel="next"` (distribution-spec, "Listing
// Referrers"). Distribution 2.8 has no referrers API, so a small server plays a registry that has one.
import { createHash } from 'node:crypto';
import {
  buildRandomImage,
  pushImage,
  referrerEntries as referrers,
  startReferrersOrigin,
  startRegistry,
  type ForeignOrigin,
  type ReferrerEntry,
} from '@signet/testing';
import { OCI_MANIFEST, SIGSTORE_BUNDLE } from '@signet/oci';
import { addToReferrersIndex, type RegistryClient } from '../src';
import { clientFor, creds, PASSWORD, USER } from './helpers';

const sha256 = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;
const SUBJECT = sha256('subject');
const PATH = `/v2/team/app/referrers/${SUBJECT}`;

/** SUBJECT's referrers served `pageSize` at a time, each page but the last linking to the next with `link`. */
const serve = (all: ReferrerEntry[], pageSize: number, link?: (last: number, url: URL) => string) =>
  startReferrersOrigin(PATH, all, { pageSize, link });

describe('referrers API pagination', () => {
  let server: ForeignOrigin | undefined;
  let client: RegistryClient | undefined;
  afterEach(async () => {
    await client?.close();
    await server?.close();
    server = undefined;
    client = undefined;
  });
  const referrerRequests = () => (server?.seen ?? []).filter((r) => r.path === PATH);

  it('follows Link rel="next" so bundles on later pages are listed', async () => {
    const all = referrers(7);
    server = await serve(all, 3);
    client = clientFor(server);
    const found = await client.referrers('team/app', SUBJECT, { artifactType: SIGSTORE_BUNDLE });
    expect(found.via).toBe('api');
    expect(found.manifests.map((m) => m.digest)).toEqual(all.map((m) => m.digest));
    expect(found.truncated).toBeUndefined();
    expect(referrerRequests()).toHaveLength(3);
  });

  it('keeps the artifact-type filter across pages, even where the registry ignores it', async () => {
    const all = [...referrers(2, 'application/example.sbom'), ...referrers(2), ...referrers(2, 'application/example.sbom')];
    all[3] = { ...all[3]!, digest: sha256('last bundle') };
    server = await serve(all, 2);
    client = clientFor(server);
    const found = await client.referrers('team/app', SUBJECT, { artifactType: SIGSTORE_BUNDLE });
    expect(found.manifests.map((m) => m.digest)).toEqual([all[2]!.digest, all[3]!.digest]);
  });

  it('stops at the page and entry limits and says the list was cut short', async () => {
    server = await serve(referrers(5000), 10);
    client = clientFor(server);
    const byPages = await client.referrers('team/app', SUBJECT, { limits: { maxPages: 4 } });
    expect(byPages.manifests).toHaveLength(40);
    expect(byPages.truncated).toEqual({ pagesRead: 4, entriesRead: 40 });
    expect(referrerRequests()).toHaveLength(4);

    const byEntries = await client.referrers('team/app', SUBJECT, { limits: { maxEntries: 25 } });
    expect(byEntries.manifests).toHaveLength(25);
    expect(byEntries.truncated).toEqual({ pagesRead: 3, entriesRead: 25 });
  });

  it('refuses a next page on another origin or another path', async () => {
    server = await serve(referrers(6), 3, () => '<http://127.0.0.2:1/v2/team/app/referrers/x>; rel="next"');
    client = clientFor(server);
    await expect(client.referrers('team/app', SUBJECT)).rejects.toMatchObject({ code: 'FOREIGN_HOST' });
    await server.close();
    server = await serve(referrers(6), 3, () => '</v2/other/app/referrers/x>; rel="next"');
    await client.close();
    client = clientFor(server);
    await expect(client.referrers('team/app', SUBJECT)).rejects.toMatchObject({ code: 'REGISTRY_ERROR' });
  });
});

describe('referrers on Distribution 2.8 (no referrers API)', () => {
  it('still lists every referrer from the tag-schema index, with nothing cut short', async () => {
    const registry = await startRegistry({ users: { [USER]: PASSWORD } });
    const client = clientFor(registry, creds);
    try {
      const subject = await pushImage(registry.url, 'team/real:1', creds);
      // Distribution refuses an index naming manifests it lacks: each referrer is a real pushed manifest.
      const added = [];
      for (let i = 0; i < 3; i++) {
        const image = buildRandomImage(`referrer ${i}`);
        const digest = await pushImage(registry.url, `team/real:ref-${i}`, creds, image);
        added.push({ mediaType: OCI_MANIFEST, digest, size: image.manifest.length, artifactType: SIGSTORE_BUNDLE });
      }
      for (const d of added) await addToReferrersIndex(client, 'team/real', subject, d);
      const found = await client.referrers('team/real', subject, { artifactType: SIGSTORE_BUNDLE, limits: { maxPages: 1, maxEntries: 3 } });
      expect(found.via).toBe('tag');
      expect(found.manifests.map((m) => m.digest)).toEqual(added.map((m) => m.digest));
      expect(found.truncated).toBeUndefined();
    } finally {
      await client.close();
      await registry.teardown();
    }
  });
});
