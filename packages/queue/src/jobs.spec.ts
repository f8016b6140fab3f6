import { WEBHOOK_SOURCES } from '@signet/oci';
import { InvalidJobError, pushJobSchema, readJob, verifyJobSchema } from './jobs';

const event = {
  kind: 'push',
  registry: 'local',
  repository: 'team/app',
  tag: 'v1',
  digest: `sha512:${'c'.repeat(128)}`,
  eventId: 'e1',
  occurredAt: '2030-01-01T00:00:00.000Z',
  source: 'distribution',
};

describe('job schemas', () => {
  it('reads a push job from every webhook source, sha512 digests included', () => {
    for (const source of WEBHOOK_SOURCES) {
      expect(readJob(pushJobSchema, { v: 1, event: { ...event, source }, receivedAt: 'now' }).event.source).toBe(source);
    }
  });

  it('refuses a push job whose event the push-event schema refuses', () => {
    expect(() => readJob(pushJobSchema, { v: 1, event: { ...event, source: 'gitlab' }, receivedAt: 'now' })).toThrow(InvalidJobError);
    expect(() => readJob(pushJobSchema, { v: 1, event: { ...event, digest: 'sha256:abc' }, receivedAt: 'now' })).toThrow(/event\.digest/);
  });

  it('holds verify jobs to the same digest grammar', () => {
    const job = { v: 1, registry: 'local', repository: 'team/app', decision: 'signed' };
    expect(readJob(verifyJobSchema, { ...job, digest: event.digest }).digest).toBe(event.digest);
    expect(() => readJob(verifyJobSchema, { ...job, digest: 'sha1:abc' })).toThrow(InvalidJobError);
  });
});
