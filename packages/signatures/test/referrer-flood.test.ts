// Distribution 2.8 has no referrers API, so a small server plays a registry with one, paging its answer with
// `Link: <next>; rel="next"` as the distribution spec does.
import { createHash } from 'node:crypto';
import { OCI_INDEX, OCI_MANIFEST, SIGSTORE_BUNDLE } from '@signet/oci';
import { startForeignOrigin, type ForeignOrigin } from '@signet/testing';
import { SignatureStore } from '../src';
import { clientFor } from './helpers';

const sha256 = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;
const SUBJECT = sha256('subject');
const PATH = `/v2/team/app/referrers/${SUBJECT}`;
/** The client's bound on referrers pages read for one digest. */
const MAX_PAGES = 8;

describe('signature reader against a flood of referrers', () => {
  let server: ForeignOrigin;
  afterEach(() => server.close());

  it('counts a flood of referrers as rejected after a bounded number of reads', async () => {
    const all = Array.from({ length: 20_000 }, (_, i) => ({
      mediaType: OCI_MANIFEST,
      digest: sha256(`referrer ${i}`),
      size: 500,
      artifactType: SIGSTORE_BUNDLE,
    }));
    server = await startForeignOrigin((_req, res, url) => {
      if (url.pathname !== PATH) {
        res
          .writeHead(404, { 'content-type': 'application/json' })
          .end(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] }));
        return;
      }
      const start = Number(url.searchParams.get('last') ?? 0);
      res.writeHead(200, { 'content-type': OCI_INDEX, link: `<${PATH}?last=${start + 100}>; rel="next"` });
      res.end(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: all.slice(start, start + 100) }));
    });
    const client = clientFor(server);
    try {
      const reading = await new SignatureStore(client).read('team/app', SUBJECT);
      expect(reading.signatures).toEqual([]);
      expect(reading.rejected.filter((r) => r.code === 'TOO_MANY_SIGNATURES').map((r) => r.artifact)).toEqual([
        `referrers of ${SUBJECT}`,
        `referrers of ${SUBJECT}`,
      ]);
      expect(server.seen.filter((r) => r.path === PATH).length).toBeLessThanOrEqual(MAX_PAGES);
    } finally {
      await client.close();
    }
  });
});
