/**
 * Queue contracts shared by the receiver, signer and verifier: queue names, versioned job payload schemas,
 * deterministic job ids, the ioredis connection BullMQ needs and default job options.
 */
export { QueueNames, JobNames, ALL_QUEUES, DEFAULT_PREFIX, type QueueName, type JobName } from './names';
export { recheckJobSchema, type RecheckJob } from './recheck';
export {
  openQueue,
  openWorker,
  openPushQueue,
  openVerifyQueue,
  openRescanQueue,
  type QueueJobs,
  type JobData,
  type JobNameOf,
  type TypedQueue,
  type TypedWorker,
  type TypedJob,
  type QueueSettings,
} from './queues';
export {
  pushJobSchema,
  verifyJobSchema,
  rescanJobSchema,
  SIGNER_DECISIONS,
  InvalidJobError,
  readJob,
  verifyJobId,
  rescanRepositoryJobId,
  type PushJob,
  type VerifyJob,
  type RescanJob,
  type SignerDecision,
} from './jobs';
/** Push job ids come from the events package, beside the PushEvent they hash. */
export { pushJobId } from '@signet/events';
export {
  createRedisConnection,
  connectionFactory,
  defaultJobOptions,
  whenConnected,
  RedisTlsFileError,
  type RedisConnectionOptions,
  type RedisSettings,
  type RedisTlsSettings,
  type ConnectionLogger,
  type ConnectionFactory,
} from './connection';
export {
  classifyJobError,
  judgeJobFailure,
  jobError,
  withJobFailurePolicy,
  type JobAttempt,
  type JobErrorClass,
  type JobFailure,
} from './job-failure';
export { DigestLock, LockBusyError, type DigestLockOptions } from './digest-lock';
export { RedisRequestBudget, redisRequestBudgets, type RedisBudgetOptions, type RateLimitedRegistry } from './budget';
