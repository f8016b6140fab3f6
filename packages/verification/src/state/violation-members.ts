/**
 * Members of the violations and traces sets: one JSON array per tag, digest and reason, so a set holds each
 * once and a reader needs no other key to name them.
 */
import { reasonOf, VIOLATION_REASONS, type TagState, type ViolationReason } from './tag-state';
import type { TagRef, ViolationRecord } from './tag-state-store';

export const violationMember = (ref: TagRef, digest: string, reason: ViolationReason) =>
  JSON.stringify([ref.registry, ref.repository, ref.tag, digest, reason]);

/** The member a tag's state stands for while it is flagged as a violation. */
export const stateMember = (ref: TagRef, s: TagState) => violationMember(ref, s.digest, reasonOf(s));

/** Members written before violations carried a reason; removed beside the current form. */
export const legacyViolationMember = (ref: TagRef, digest: string) => JSON.stringify([ref.registry, ref.repository, ref.tag, digest]);

/** Members as records; members of an unknown reason or missing a part are passed over. */
export function parseViolationMembers(members: string[]): ViolationRecord[] {
  return members.flatMap((m) => {
    const [registry, repository, tag, digest, reason = 'unsigned'] = JSON.parse(m) as string[];
    const known = (VIOLATION_REASONS as readonly string[]).includes(reason);
    return registry && repository && tag && digest && known
      ? [{ registry, repository, tag, digest, reason: reason as ViolationReason }]
      : [];
  });
}
