import { JobNames, QueueNames } from './names';
import type { JobData, JobNameOf, TypedQueue } from './queues';

describe('typed queues', () => {
  it("name each queue's jobs from the shared constants", () => {
    const names: { [Q in keyof typeof QueueNames]: Array<JobNameOf<(typeof QueueNames)[Q]>> } = {
      push: [JobNames.push],
      verify: [JobNames.verify, JobNames.recheck],
      rescan: [JobNames.rescanAll, JobNames.rescanRepository],
    };
    expect(names).toEqual({ push: ['push'], verify: ['verify', 'recheck'], rescan: ['all', 'repository'] });
  });

  it('refuse, at compile time, a payload or job name another queue carries', () => {
    // Never called: typecheck fails if any line below stops being an error.
    const wrong = (verify: TypedQueue<typeof QueueNames.verify>, push: TypedQueue<typeof QueueNames.push>) => {
      // @ts-expect-error a push job on the verify queue
      void verify.add(JobNames.verify, { v: 1, event: {}, receivedAt: '' });
      // @ts-expect-error a job name the verify queue does not take
      void verify.add(JobNames.push, { v: 1, registry: 'r', repository: 'a', decision: 'signed' });
      // @ts-expect-error a verify payload on the push queue
      void push.add(JobNames.push, { v: 1, registry: 'r', repository: 'a', decision: 'signed' } satisfies JobData<
        typeof QueueNames.verify
      >);
    };
    expect(wrong).toBeInstanceOf(Function);
  });
});
