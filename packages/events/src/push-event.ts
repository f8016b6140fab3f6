import { DIGEST_GRAMMAR, DIGEST_PATTERN, WEBHOOK_SOURCES } from '@signet/oci';
import { z } from 'zod';

// The push event is Signet's own normal form of a webhook, not an OCI fact, so it lives with the adapters that
// produce it rather than in @signet/oci; the queue composes it into the push job (queue already depends on
// events), and the type is inferred from the schema so the two cannot disagree.

/**
 * One change to one image reference, normalised from any registry's webhook. The digest grammar is the one the
 * receiver accepts: a narrower one here once failed a sha512 push for good before anything was decided.
 */
export const pushEventSchema = z.object({
  kind: z.enum(['push', 'delete']),
  /** The configured registry NAME of the webhook endpoint; never a host read from the body. */
  registry: z.string().min(1),
  repository: z.string().min(1),
  tag: z.string().optional(),
  digest: z.string().regex(DIGEST_PATTERN, `must be ${DIGEST_GRAMMAR}`).optional(),
  mediaType: z.string().optional(),
  actor: z.string().optional(),
  /** The sender's own event id, or `sha256:<hex of raw body>` (with `-<index>` for multi-event bodies). */
  eventId: z.string().min(1),
  /** ISO 8601 instant of the change (the sender's timestamp, or the time of parsing when it sends none). */
  occurredAt: z.string(),
  source: z.enum(WEBHOOK_SOURCES),
  /** Set when the sender gives only a tag: the digest must be resolved through the configured registry. */
  needsDigestResolution: z.boolean().optional(),
});

export type PushEvent = z.infer<typeof pushEventSchema>;
