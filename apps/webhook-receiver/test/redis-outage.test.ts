import { randomBytes } from 'node:crypto';
import { sleep, startRedis, type RedisServer } from '@signet/testing';
import type { RunningReceiver } from '../src/service';
import { pushJobs, startTestReceiver, TOKEN } from './helpers';

/** A Distribution envelope with one manifest push, as the registry sends it. */
function envelope(i: number): string {
  return JSON.stringify({
    events: [
      {
        id: `evt-${i}`,
        timestamp: new Date().toISOString(),
        action: 'push',
        target: {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: 'sha256:' + randomBytes(32).toString('hex'),
          repository: 'team/app',
          tag: `v${i}`,
        },
        actor: { name: 'ci-bot' },
      },
    ],
  });
}

describe('Redis stopped during a burst', () => {
  let redis: RedisServer;
  let receiver: RunningReceiver;
  beforeAll(async () => {
    // Persistence on, so the jobs queued before the outage survive the restart.
    redis = await startRedis({ extraConfig: 'appendonly yes\nappendfsync always' });
    receiver = await startTestReceiver(redis.url);
  });
  afterAll(async () => {
    await receiver?.close();
    await redis?.teardown();
  });

  it('answers 503 with Retry-After while it is down, and every event ends up queued exactly once', async () => {
    const total = 500;
    const bodies = Array.from({ length: total }, (_, i) => envelope(i));
    const seen503 = { count: 0, retryAfter: '' };
    let next = 0;
    // Like the registry: resend the same bytes until a 2xx arrives.
    const sender = async () => {
      while (next < total) {
        const body = bodies[next++]!;
        for (;;) {
          const res = await fetch(`${receiver.url}/webhooks/distribution`, {
            method: 'POST',
            headers: { 'content-type': 'application/vnd.docker.distribution.events.v1+json', authorization: `Bearer ${TOKEN}` },
            body,
          }).catch(() => undefined);
          if (res && res.status >= 200 && res.status < 300) break;
          if (res?.status === 503) {
            seen503.count++;
            seen503.retryAfter = res.headers.get('retry-after') ?? '';
          } else if (res) {
            throw new Error(`unexpected ${res.status}: ${await res.text()}`);
          }
          await sleep(50);
        }
      }
    };
    const outage = (async () => {
      while (next < 100) await sleep(5);
      await redis.stop();
      await sleep(2000);
      await redis.start();
    })();
    await Promise.all([...Array.from({ length: 8 }, sender), outage]);

    expect(seen503.count).toBeGreaterThan(0);
    expect(seen503.retryAfter).toBe('5');
    const jobs = await pushJobs(redis.url);
    const ids = new Set(jobs.map((j) => j.event.eventId));
    expect(jobs).toHaveLength(total);
    expect(ids.size).toBe(total);
  });
});
