import { pushEventSchema, type PushEvent } from './push-event';

const event: PushEvent = {
  kind: 'push',
  registry: 'local',
  repository: 'team/app',
  tag: '1.0.0',
  digest: `sha256:${'a'.repeat(64)}`,
  eventId: 'evt-1',
  occurredAt: '2030-01-02T03:04:05.000Z',
  source: 'distribution',
};

describe('pushEventSchema', () => {
  it('accepts a push by tag and digest, a sha512 digest, and a tag-only push awaiting resolution', () => {
    expect(pushEventSchema.parse(event)).toEqual(event);
    expect(pushEventSchema.safeParse({ ...event, digest: `sha512:${'b'.repeat(128)}` }).success).toBe(true);
    const { digest: _digest, ...tagOnly } = event;
    expect(pushEventSchema.safeParse({ ...tagOnly, needsDigestResolution: true }).success).toBe(true);
  });

  it.each<[string, Record<string, unknown>]>([
    ['a digest outside the grammar', { digest: 'sha256:abc' }],
    ['an unknown source', { source: 'gitlab' }],
    ['an unknown kind', { kind: 'pull' }],
    ['an empty registry name', { registry: '' }],
    ['an empty event id', { eventId: '' }],
  ])('refuses %s', (_what, change) => {
    expect(pushEventSchema.safeParse({ ...event, ...change }).success).toBe(false);
  });
});
