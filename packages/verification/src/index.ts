/**
 * Verification of a registry's tags: the tag state kept in Redis (a hash per repository), the verdict rules,
 * the per-tag and per-repository checks, the verify/rescan job processors and the verifier's metrics. Used by
 * the verifier's workers and by the CLI's one-shot `scan`, `status` and `ack`. Exports only what other
 * projects use; the package's own tests import the rest by path.
 */
export { createVerifierContext, closeContext } from './from-config';
export { checkTag, type CheckOutcome, type VerifierContext } from './check/check-tag';
export { scanRepository, type TagResult } from './check/scan-repository';
export { listRepositories, processRescan } from './jobs/rescan';
export { processVerify, processRecheck, recheckJobId } from './jobs/verify';
export { ScanProgress } from './jobs/scan-progress';
export { createVerifierMetrics } from './metrics';
export { TagStore, type TagRef } from './state/store';
export { MemoryTagStore } from './state/memory-store';
export { acknowledgeTag, parseTagRef } from './state/acknowledge';
export { AckRecords, ACK_HISTORY, type AckRecord } from './state/ack-records';
export { SigningRecords, type SigningRecord, type SigningRecordsOptions } from './state/signing-records';
export { type TagState } from './state/tag-state';
export { createAdmissionJudge, type AdmissionJudgeSettings } from './admission/judge';
export {
  parseAdmissionReview,
  reviewAdmission,
  admissionReviewResponse,
  MalformedReviewError,
  type AdmissionMode,
  type AdmissionRequest,
  type ReviewPolicy,
  type ReviewResult,
} from './admission/review';
export { WORKLOAD_KINDS } from './admission/workloads';
