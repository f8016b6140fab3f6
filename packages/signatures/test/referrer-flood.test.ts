// Distribution 2.8 has no referrers API, so a small server plays a registry with one, paging its answer with
// `Link: <next>; rel="next"` as the distribution spec does.
import { createHash } from 'node:crypto';
import { referrerEntries, startReferrersOrigin, type ForeignOrigin } from '@signet/testing';
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
    // Every page but the last links to the next; the bound stops the reader long before the last.
    server = await startReferrersOrigin(PATH, referrerEntries(20_000), { pageSize: 100 });
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
