import { randomUUID } from 'node:crypto';

/**
 * A push event as the receiver queues it from a Distribution webhook: ci-bot pushed to `team/app` on the
 * registry named `local`, with a fresh event id; `fields` add to it or replace any of it. The events package's
 * own tests use these helpers, so the result is typed by its shape rather than as `PushEvent`.
 */
export function pushEvent<T extends object>(fields: T) {
  return {
    kind: 'push' as const,
    registry: 'local',
    repository: 'team/app',
    actor: 'ci-bot',
    eventId: randomUUID(),
    occurredAt: new Date().toISOString(),
    source: 'distribution' as const,
    ...fields,
  };
}
