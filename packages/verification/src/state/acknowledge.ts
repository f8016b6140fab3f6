import { ConcurrentUpdateError } from '@signet/errors';
import type { TagRef, TagStore } from './store';
import { acknowledge } from './verdict';

export type AckResult =
  | { kind: 'acknowledged'; digest: string; traces: string[] }
  /** No violation stands, but traces of earlier ones (a flash overwrite) were cleared. */
  | { kind: 'traces-cleared'; digests: string[] }
  | { kind: 'no-violation' }
  | { kind: 'unknown-tag' };

const ACK_ATTEMPTS = 5;

/**
 * Operator acknowledgement of a tag: its standing violation stops alerting (until the tag points to another
 * digest), and the durable traces of earlier violations on it are cleared.
 */
export async function acknowledgeTag(store: TagStore, ref: TagRef): Promise<AckResult> {
  const traces = await store.clearTraces(ref);
  for (let attempt = 0; attempt < ACK_ATTEMPTS; attempt++) {
    const stored = await store.read(ref);
    const next = stored.state && acknowledge(stored.state);
    if (!next) {
      if (traces.length > 0) return { kind: 'traces-cleared', digests: traces };
      return stored.state ? { kind: 'no-violation' } : { kind: 'unknown-tag' };
    }
    if (await store.apply(ref, stored, next)) return { kind: 'acknowledged', digest: next.digest, traces };
  }
  throw new ConcurrentUpdateError(`tag ${ref.registry}/${ref.repository}:${ref.tag}`, ACK_ATTEMPTS);
}

/** Parses `REGISTRY/REPO:TAG` (registry = a configured registry name; the repository may contain `/`). */
export function parseTagRef(text: string): TagRef | undefined {
  const m = /^([a-z0-9][a-z0-9._-]*)\/([^:@\s]+):([\w][\w.-]{0,127})$/i.exec(text);
  return m ? { registry: m[1] as string, repository: m[2] as string, tag: m[3] as string } : undefined;
}
