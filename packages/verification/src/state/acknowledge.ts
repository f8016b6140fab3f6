import type { TagRef, TagStore } from './store';
import { acknowledge } from './verdict';

export type AckResult = { kind: 'acknowledged'; digest: string } | { kind: 'no-violation' } | { kind: 'unknown-tag' };

/** Operator acknowledgement of a standing violation (until the tag points to another digest). */
export async function acknowledgeTag(store: TagStore, ref: TagRef): Promise<AckResult> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const stored = await store.read(ref);
    if (!stored.state) return { kind: 'unknown-tag' };
    const next = acknowledge(stored.state);
    if (!next) return { kind: 'no-violation' };
    if (await store.apply(ref, stored, next)) return { kind: 'acknowledged', digest: next.digest };
  }
  throw new Error(`tag ${ref.registry}/${ref.repository}:${ref.tag} kept changing under concurrent writers`);
}

/** Parses `REGISTRY/REPO:TAG` (registry = a configured registry name; the repository may contain `/`). */
export function parseTagRef(text: string): TagRef | undefined {
  const m = /^([a-z0-9][a-z0-9._-]*)\/([^:@\s]+):([\w][\w.-]{0,127})$/i.exec(text);
  return m ? { registry: m[1] as string, repository: m[2] as string, tag: m[3] as string } : undefined;
}
