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
