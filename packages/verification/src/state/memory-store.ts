import type { SignerDecision } from '@signet/queue';
import type { Stored, TagRef, TagStateStore } from './store';
import { decodeTagState, encodeTagState, type TagState } from './tag-state';

/** State kept in memory for one process: a one-shot scan that must not touch the shared Redis state. */
export class MemoryTagStore implements TagStateStore {
  private readonly tags = new Map<string, Map<string, string>>();

  private repo(registry: string, repository: string): Map<string, string> {
    const key = `${registry}/${repository}`;
    let m = this.tags.get(key);
    if (!m) this.tags.set(key, (m = new Map()));
    return m;
  }

  async read(ref: TagRef): Promise<Stored> {
    const raw = this.repo(ref.registry, ref.repository).get(ref.tag) ?? null;
    return { raw, state: decodeTagState(raw) };
  }

  async readRepository(registry: string, repository: string): Promise<Map<string, Stored>> {
    return new Map([...this.repo(registry, repository)].map(([tag, raw]) => [tag, { raw, state: decodeTagState(raw) }]));
  }

  async apply(ref: TagRef, from: Stored, next: TagState | undefined): Promise<boolean> {
    const m = this.repo(ref.registry, ref.repository);
    if ((m.get(ref.tag) ?? null) !== from.raw) return false;
    if (next) m.set(ref.tag, encodeTagState(next));
    else m.delete(ref.tag);
    return true;
  }

  async recordDecision(): Promise<void> {}
  async decision(): Promise<SignerDecision | undefined> {
    return undefined;
  }
  async decisions(): Promise<Map<string, SignerDecision>> {
    return new Map();
  }
  async pruneDecisions(): Promise<number> {
    return 0;
  }
}
