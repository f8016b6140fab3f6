import { createHash } from 'node:crypto';
import { SignetError } from '@signet/errors';
import { pushEventSchema } from '@signet/events';
import { DIGEST_GRAMMAR, DIGEST_PATTERN } from '@signet/oci';
import { z } from 'zod';

// The receiver accepts every digest this grammar does: a narrower schema here failed a sha512 push for good
// before anything was decided or verified, and the push vanished without a verify job.
const digest = z.string().regex(DIGEST_PATTERN, `must be ${DIGEST_GRAMMAR}`);

/** `signet.push`: one normalised webhook event. Version 1. */
export const pushJobSchema = z.object({ v: z.literal(1), event: pushEventSchema, receivedAt: z.string() });
export type PushJob = z.infer<typeof pushJobSchema>;

/**
 * What the signer decided about a pushed digest; the verifier judges only decided digests. `unverifiable`: a
 * trusted pusher's event named only a tag, so the digest it resolves to now is not known to be that push's.
 */
export const SIGNER_DECISIONS = ['signed', 'already-signed', 'untrusted', 'unverifiable', 'failed', 'deleted'] as const;
export type SignerDecision = (typeof SIGNER_DECISIONS)[number];

/** `signet.verify`: check one tag now. Version 1. */
export const verifyJobSchema = z.object({
  v: z.literal(1),
  registry: z.string().min(1),
  repository: z.string().min(1),
  tag: z.string().optional(),
  digest: digest.optional(),
  decision: z.enum(SIGNER_DECISIONS),
  /** The tag pointed elsewhere by the time the signer wrote (a race or an overwrite). */
  tagMoved: z.boolean().optional(),
  actor: z.string().optional(),
  /**
   * The push this decision is about, for the logs: the sender's event id and the `signet.push` job id (which is
   * derived from the event and is the id of the push job itself). Optional: jobs queued before it was added,
   * and recheck jobs, have none.
   */
  eventId: z.string().optional(),
  pushJobId: z.string().optional(),
  /** When the push happened (for signing-lag metrics). */
  pushedAt: z.string().optional(),
});
export type VerifyJob = z.infer<typeof verifyJobSchema>;

/** `signet.rescan`: the scheduled sweep (`all`) fans out into one job per repository. Version 1. */
export const rescanJobSchema = z.discriminatedUnion('kind', [
  z.object({ v: z.literal(1), kind: z.literal('all') }),
  z.object({
    v: z.literal(1),
    kind: z.literal('repository'),
    registry: z.string().min(1),
    repository: z.string().min(1),
    scanId: z.string(),
  }),
]);
export type RescanJob = z.infer<typeof rescanJobSchema>;

/** A job's data did not match its schema: the job fails permanently (retrying cannot fix it). */
export class InvalidJobError extends SignetError<'INVALID_JOB'> {
  constructor(message: string) {
    super('INVALID_JOB', message);
  }
}

/** Validates job data on read. */
export function readJob<T>(schema: z.ZodType<T>, data: unknown): T {
  const r = schema.safeParse(data);
  if (!r.success)
    throw new InvalidJobError(`invalid job data: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return r.data;
}

const hash = (...parts: (string | undefined)[]) =>
  createHash('sha256')
    .update(parts.map((p) => p ?? '').join('\u0000'))
    .digest('hex')
    .slice(0, 40);

/** Job id of the verify job that follows a push job: one verify per push decision. */
export function verifyJobId(pushJobId: string, digest?: string): string {
  return `verify-${hash(pushJobId, digest)}`;
}

/** Job id of one repository's share of one scheduled scan. */
export function rescanRepositoryJobId(scanId: string, registry: string, repository: string): string {
  return `rescan-${hash(scanId, registry, repository)}`;
}
