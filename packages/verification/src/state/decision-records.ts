/**
 * The signer's decisions as hash values: `decision|expiry[|signatureDueAt]`, times in base-36 milliseconds.
 * Redis 7.0 hashes have no per-field expiry, so the expiry travels in the value and readers drop what has passed.
 */
import type { SignerDecision } from '@signet/queue';
import type { DecisionRecord } from './tag-state-store';

export function encodeDecision(record: DecisionRecord, expiresAt: number): string {
  const due = record.signatureDueAt === undefined ? '' : `|${record.signatureDueAt.toString(36)}`;
  return `${record.decision}|${expiresAt.toString(36)}${due}`;
}

/** The decision a value holds, or undefined when there is none or it has expired by `now`. */
export function parseDecision(raw: string | null | undefined, now: number): DecisionRecord | undefined {
  if (!raw) return undefined;
  const [decision, expires, due] = raw.split('|');
  if (!decision || !expires || parseInt(expires, 36) <= now) return undefined;
  return { decision: decision as SignerDecision, ...(due ? { signatureDueAt: parseInt(due, 36) } : {}) };
}
