import { pushImage, startRedis, startRegistry, waitFor, type RedisServer, type RegistryServer } from '@signet/testing';
import type { RunningReceiver } from '../src/service';
import { pushJobs, startTestReceiver, TOKEN } from './helpers';

describe('a real Distribution registry notifying the receiver', () => {
  let redis: RedisServer;
  let receiver: RunningReceiver;
  let registry: RegistryServer;
  const creds = { username: 'ci-bot', password: 'ci-pass' };

  beforeAll(async () => {
    redis = await startRedis();
    receiver = await startTestReceiver(redis.url);
    registry = await startRegistry({
      users: { 'ci-bot': creds.password },
      notifications: { url: `${receiver.url}/webhooks/distribution`, headers: { Authorization: `Bearer ${TOKEN}` } },
    });
  });
  afterAll(async () => {
    await registry?.teardown();
    await receiver?.close();
    await redis?.teardown();
  });

  it('yields exactly one job per manifest push, with repository, tag, digest and the htpasswd user', async () => {
    const first = await pushImage(registry.url, 'team/app:1.0.0', creds);
    const second = await pushImage(registry.url, 'team/app:1.0.1', creds);
    await waitFor(async () => (await pushJobs(redis.url)).length >= 2, 45_000, 'two push jobs');
    // Blob events arrive too; give the registry time to deliver anything else it would send.
    await new Promise((r) => setTimeout(r, 500));
    const jobs = (await pushJobs(redis.url)).map((j) => j.event).sort((a, b) => (a.tag ?? '').localeCompare(b.tag ?? ''));
    expect(jobs).toHaveLength(2);
    expect(jobs[0]).toMatchObject({
      kind: 'push',
      registry: 'local',
      repository: 'team/app',
      tag: '1.0.0',
      digest: first,
      actor: 'ci-bot',
      source: 'distribution',
    });
    expect(jobs[1]).toMatchObject({ repository: 'team/app', tag: '1.0.1', digest: second, actor: 'ci-bot' });
  });
});
