/** Queue names: one queue per kind of work, so each worker scales on its own backlog. */
export const QueueNames = {
  /** Push and delete events from the receiver; consumed by the signer. */
  push: 'signet.push',
  /** One tag to check now (after the signer's decision); consumed by the verifier. */
  verify: 'signet.verify',
  /** Scheduled rescans, fanned out per repository; consumed by the verifier. */
  rescan: 'signet.rescan',
} as const;
export type QueueName = (typeof QueueNames)[keyof typeof QueueNames];
export const ALL_QUEUES: QueueName[] = Object.values(QueueNames);

/** Default key prefix. The braces make it a Redis Cluster hash tag: every key of every queue lands in one slot. */
export const DEFAULT_PREFIX = '{signet}';

/**
 * Job names, per queue. A worker tells its kinds of job apart by name (a verify queue's `recheck` from its
 * `verify`), so producers and workers share these rather than spell them.
 */
export const JobNames = {
  /** `signet.push`: one webhook event. */
  push: 'push',
  /** `signet.verify`: the signer's decision on a pushed digest. */
  verify: 'verify',
  /** `signet.verify`: the verifier's own re-check of a tag (grace period over, or look again). */
  recheck: 'recheck',
  /** `signet.rescan`: the scheduled sweep, fanned out per repository. */
  rescanAll: 'all',
  /** `signet.rescan`: one repository's share of a sweep. */
  rescanRepository: 'repository',
} as const;
export type JobName = (typeof JobNames)[keyof typeof JobNames];
