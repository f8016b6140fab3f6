/**
 * @signet/events: registry push webhooks turned into `PushEvent`s, and webhook authentication.
 *
 * Pure logic, no I/O: the caller (the webhook receiver) passes the raw body bytes, the headers and the
 * webhook's configuration, and gets back events plus counts of what was ignored.
 *
 * - `parseWebhook({ source, registry, rawBody, headers, headersAuthenticated, options })` → `{ events, ignored }`,
 *   or throws `WebhookPayloadError` (`details: [{ path, message }]`; answer 400 `{ error, details }`) with
 *   `code` `INVALID_PAYLOAD` for a body that is not JSON or not the source's shape, `UNSIGNED_ATTRIBUTES` for
 *   CloudEvents binary mode when the headers are not authenticated, `STALE_EVENT` / `UNDATED_EVENT` for a
 *   GitHub delivery outside `options.maxEventAgeMs`. Nothing else a client sends throws.
 * - `headersAuthenticated` (default false): pass `authenticatesHeaders(auth)`. Under an HMAC only the body is
 *   proven, so actor, event id and type, repository, tag and digest are read from the body alone.
 * - `PushEvent`: `kind` is `'push'` (a manifest or index was pushed under `tag` and/or `digest`) or `'delete'`;
 *   `registry` is always the configured registry name given by the caller, never a host from the body;
 *   `eventId` is the sender's id, or `sha256:<hex>` of the raw body (`-<index>` for several events from one
 *   body); `needsDigestResolution` marks pushes that name only a tag (Docker Hub, Quay, some others), to be
 *   resolved through the configured registry. `pushEventSchema` is its one definition (the type is inferred
 *   from it); the queue's push job composes it.
 * - Signatures, attestations, SBOMs and other referrers are never events (`ignored` reason
 *   `signature-artifact`), so Signet's own signature pushes cannot start a signing loop.
 * - `isAcceptedContentType(source, contentType)`: false → answer 415.
 * - `authenticate(auth, { headers, rawBody, pathSecret })` → `{ ok: true }` or
 *   `{ ok: false, reason: 'missing' | 'mismatch' | 'malformed' }`, all comparisons in constant time.
 * - `pushJobId(event)`: deterministic BullMQ-safe job id (`push-<sha256 hex>`).
 */
export type { ParseOptions, ParseWebhookInput, WebhookHeaders, WebhookParseResult } from './types';
export { pushEventSchema, type PushEvent } from './push-event';
export { WebhookPayloadError } from './errors';
export { parseWebhook } from './parse';
export { isAcceptedContentType } from './content-type';
export { authenticate, authenticatesHeaders, type WebhookAuth } from './auth';
export { pushJobId } from './job-id';
