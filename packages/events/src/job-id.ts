import { createHash } from 'node:crypto';
import type { PushEvent } from './push-event';

/**
 * Deterministic BullMQ job id for a push event: one job per registry, repository, digest (or tag) and
 * sender event id, so a redelivered webhook adds no second job. Hex only: BullMQ rejects custom ids with
 * ':' in most forms.
 */
export function pushJobId(event: PushEvent): string {
  // JSON keeps the fields apart: no choice of values can make two different tuples hash alike.
  const fields = JSON.stringify([
    event.registry,
    event.repository,
    event.digest ?? null,
    event.digest === undefined ? (event.tag ?? null) : null,
    event.eventId,
  ]);
  return 'push-' + createHash('sha256').update(fields).digest('hex');
}
