import { VIOLATION_REASONS } from './tag-state';
import { legacyViolationMember, parseViolationMembers, violationMember } from './violation-members';

const ref = { registry: 'local', repository: 'team/app', tag: 'v1' };
const digest = 'sha256:' + 'a'.repeat(64);

describe('violation members', () => {
  it('reads back the tag, digest and reason of every member', () => {
    const members = VIOLATION_REASONS.map((reason) => violationMember(ref, digest, reason));
    expect(parseViolationMembers(members)).toEqual(VIOLATION_REASONS.map((reason) => ({ ...ref, digest, reason })));
  });

  it('reads a member written before reasons existed as unsigned', () => {
    expect(parseViolationMembers([legacyViolationMember(ref, digest)])).toEqual([{ ...ref, digest, reason: 'unsigned' }]);
  });

  it('passes over members with an unknown reason or a missing part', () => {
    const members = [
      JSON.stringify([ref.registry, ref.repository, ref.tag, digest, 'stolen']),
      JSON.stringify([ref.registry, '', ref.tag, digest]),
    ];
    expect(parseViolationMembers(members)).toEqual([]);
  });
});
