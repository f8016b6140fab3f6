import type { DecisionRecord, Stored, TagRef, TagStateStore } from './tag-state-store';
import { decodeTagState, encodeTagState, type TagState } from './tag-state';

/** State kept in memory for one process: a one-shot scan that must not touch the shared Redis state. */
export class MemoryTagStore implements TagStateStore {
  private readonly tags = new Map<string, Map<string, string>>();
  private readonly gone = new Map<string, Map<string, string>>();

  private repo(registry: string, repository: string, of = this.tags): Map<string, string> {
    const key = `${registry}/${repository}`;
    let m = of.get(key);
    if (!m) of.set(key, (m = new Map()));
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
    const gone = this.repo(ref.registry, ref.repository, this.gone);
    if (next) {
      m.set(ref.tag, encodeTagState(next));
      gone.delete(ref.tag);
    } else if (from.raw !== null) {
      m.delete(ref.tag);
      gone.set(ref.tag, from.raw);
    }
    return true;
  }

  async tombstone(ref: TagRef): Promise<TagState | undefined> {
    return decodeTagState(this.repo(ref.registry, ref.repository, this.gone).get(ref.tag));
  }
  async tombstones(registry: string, repository: string): Promise<Map<string, TagState>> {
    return new Map(
      [...this.repo(registry, repository, this.gone)].flatMap(([tag, raw]) => {
        const s = decodeTagState(raw);
        return s ? [[tag, s] as const] : [];
      }),
    );
  }
  async pruneTombstones(): Promise<number> {
    return 0;
  }
  async recordTrace(): Promise<void> {}
  async recordDecision(): Promise<void> {}
  async decision(): Promise<DecisionRecord | undefined> {
    return undefined;
  }
  async decisions(): Promise<Map<string, DecisionRecord>> {
    return new Map();
  }
  async pruneDecisions(): Promise<number> {
    return 0;
  }
}
