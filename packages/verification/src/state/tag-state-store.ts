import type { Cluster, Redis } from 'ioredis';
import type { SignerDecision } from '@signet/queue';
import type { TagState, ViolationReason } from './tag-state';

export type RedisClient = Redis | Cluster;

export interface TagRef {
  registry: string;
  repository: string;
  tag: string;
}

/** A stored value as read: `raw` is the compare-and-set token of the next write (null = no record). */
export interface Stored {
  raw: string | null;
  state?: TagState;
}

export interface ViolationRecord extends TagRef {
  digest: string;
  reason: ViolationReason;
}

/** What the signer decided about a digest, and until when an operator's window expects a signature made elsewhere. */
export interface DecisionRecord {
  decision: SignerDecision;
  signatureDueAt?: number;
}

/** What a check needs from the state (Redis in production; memory for a one-shot `signet scan --no-state`). */
export interface TagStateStore {
  read(ref: TagRef): Promise<Stored>;
  readRepository(registry: string, repository: string): Promise<Map<string, Stored>>;
  /** Replaces `from` with `next`; undefined forgets the tag, keeping its last record as a tombstone. */
  apply(ref: TagRef, from: Stored, next: TagState | undefined): Promise<boolean>;
  /** The last record of a deleted tag, so a re-push is judged as the replacement it is. */
  tombstone(ref: TagRef): Promise<TagState | undefined>;
  tombstones(registry: string, repository: string): Promise<Map<string, TagState>>;
  /** Drops tombstones of tags deleted before `before` (ms). Returns how many. */
  pruneTombstones(registry: string, repository: string, before: number): Promise<number>;
  /** A durable trace: a digest without a valid signature was on the tag (stays until acknowledged). */
  recordTrace(ref: TagRef, digest: string, reason: ViolationReason): Promise<void>;
  recordDecision(
    registry: string,
    repository: string,
    digest: string,
    decision: DecisionRecord,
    ttlMs: number,
    now?: number,
  ): Promise<void>;
  decision(registry: string, repository: string, digest: string, now?: number): Promise<DecisionRecord | undefined>;
  decisions(registry: string, repository: string, now?: number): Promise<Map<string, DecisionRecord>>;
  pruneDecisions(registry: string, repository: string, now?: number): Promise<number>;
  /**
   * Remembers a repository a webhook named, before any tag state exists, so a rescan visits it where the
   * registry offers no catalog. Optional: a one-shot scan's memory store learns nothing.
   */
  rememberRepository?(registry: string, repository: string): Promise<void>;
  /** Repositories of a registry that have had tag state or were named by a webhook. */
  knownRepositories?(registry: string): Promise<string[]>;
  /** What the registry's catalog last answered, for `signet_catalog_available`. */
  recordCatalog?(registry: string, available: boolean): Promise<void>;
  /** The trust configuration (`RepositoryKeys.configFingerprint`) the last complete rescan judged with. */
  keyConfig?(): Promise<string | null>;
  recordKeyConfig?(fingerprint: string): Promise<void>;
}
