/**
 * The verifier's reusable parts, for the CLI's `scan`, `status` and `ack` (one-shot use of the same checks
 * the workers run). Candidates for a shared package once another app needs them.
 */
export { createVerifierContext, closeContext } from './context';
export { scanRepository, type TagResult, type RepositoryScan } from './check/scan-repository';
export { listRepositories } from './jobs/rescan';
export { createVerifierMetrics } from './metrics';
export { TagStore, type ViolationRecord, type TagRef } from './state/store';
export { MemoryTagStore } from './state/memory-store';
export { acknowledgeTag, parseTagRef, type AckResult } from './state/acknowledge';
export type { TagState, Verdict } from './state/tag-state';
export type { VerifierContext } from './check/check-tag';
