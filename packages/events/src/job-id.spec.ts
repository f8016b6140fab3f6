import { pushJobId } from './job-id';
import type { PushEvent } from './push-event';

const base: PushEvent = {
  kind: 'push',
  registry: 'main',
  repository: 'team/app',
  tag: '1.0.0',
  digest: 'sha256:' + 'a'.repeat(64),
  eventId: 'evt-1',
  occurredAt: '2026-01-01T00:00:00.000Z',
  source: 'distribution',
};

describe('pushJobId', () => {
  it('is stable for the same event and ignores fields outside its identity', () => {
    expect(pushJobId(base)).toBe(pushJobId({ ...base }));
    expect(pushJobId(base)).toBe(pushJobId({ ...base, occurredAt: '2027-01-01T00:00:00.000Z', actor: 'x' }));
  });

  it('is a BullMQ-safe id: push- and 64 hex characters, no colon', () => {
    expect(pushJobId(base)).toMatch(/^push-[0-9a-f]{64}$/);
  });

  it('differs when registry, repository, digest, tag (without digest) or event id differ', () => {
    const { digest: _d, ...tagOnly } = base;
    const variants: PushEvent[] = [
      base,
      { ...base, registry: 'other' },
      { ...base, repository: 'team/app2' },
      { ...base, digest: 'sha256:' + 'b'.repeat(64) },
      { ...base, eventId: 'evt-2' },
      tagOnly,
      { ...tagOnly, tag: '1.0.1' },
    ];
    expect(new Set(variants.map(pushJobId)).size).toBe(variants.length);
  });

  it('cannot be confused by values that run into each other', () => {
    const a = { ...base, registry: 'a/b', repository: 'c' };
    const b = { ...base, registry: 'a', repository: 'b/c' };
    expect(pushJobId(a)).not.toBe(pushJobId(b));
  });
});
