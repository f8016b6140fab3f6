/**
 * Verification of a registry's tags: the tag state kept in Redis (a hash per repository), the verdict rules,
 * the per-tag and per-repository checks, the verify/rescan job processors and the verifier's metrics. Used by
 * the verifier's workers and by the CLI's one-shot `scan`, `status` and `ack`.
 */
export { createVerifierContext, closeContext, decisionTtl, type ContextOptions } from './context';
export { checkTag, forgetTag, registryOf, type CheckOutcome, type RecheckKind, type VerifierContext } from './check/check-tag';
export { signatureWindows, type SignatureWindowRule } from './check/signature-windows';
export { RepositoryKeys, type RepositoryKeyRule } from './check/repository-keys';
export { scanRepository, type TagResult, type RepositoryScan } from './check/scan-repository';
export { listRepositories, processRescan } from './jobs/rescan';
export { processVerify, processRecheck, recheckJobId } from './jobs/verify';
export { ScanProgress } from './jobs/scan-progress';
export { createVerifierMetrics, type VerifierMetrics } from './metrics';
export { TagStore, type DecisionRecord, type ViolationRecord, type TagRef, type TagStateStore, type RedisClient } from './state/store';
export { MemoryTagStore } from './state/memory-store';
export { acknowledgeTag, parseTagRef, type AckResult } from './state/acknowledge';
export { AckRecords, ACK_HISTORY, type AckRecord } from './state/ack-records';
export { VIOLATION_REASONS, type TagState, type Verdict, type ViolationReason } from './state/tag-state';
export { AdmissionJudge, createAdmissionJudge, type AdmissionJudgeOptions, type AdmissionJudgeSettings, type AdmissionOutcome, type AdmissionReason, type ImageVerdict, type UnwatchedPolicy } from './admission/judge';
export { parseAdmissionReview, reviewAdmission, admissionReviewResponse, MalformedReviewError, type AdmissionMode, type AdmissionRequest, type AdmissionResponse, type ReviewPolicy, type ReviewResult } from './admission/review';
export { containerImages, WORKLOAD_KINDS, type ContainerImage } from './admission/workloads';
