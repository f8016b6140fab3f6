import { createHash } from 'node:crypto';
import { isSignatureArtifact, type SignatureHints } from './media-types';
import { isDigest, isRepositoryName, isTag } from './references';
import type { ParseOptions, PushEvent, SourceType, WebhookHeaders, WebhookParseResult } from './types';

/** Why part of a body produced no event; counted in `WebhookParseResult.ignored`. */
export type IgnoreReason =
  | 'signature-artifact'
  | 'not-a-manifest'
  | 'pull'
  | 'mount'
  | 'unsupported-action'
  | 'unsupported-event-type'
  | 'unsuccessful'
  | 'not-a-container'
  | 'outside-prefix'
  | 'invalid-reference'
  | 'no-reference';

/** What an adapter gets: the body parsed once, plus the request around it. */
export interface AdapterContext {
  registry: string;
  source: SourceType;
  body: unknown;
  rawBody: Buffer;
  headers: WebhookHeaders;
  /** May headers say who pushed and which event it was? See `ParseWebhookInput.headersAuthenticated`. */
  headersAuthenticated: boolean;
  options: ParseOptions;
}

export type Adapter = (ctx: AdapterContext) => WebhookParseResult;

export interface Candidate {
  kind: 'push' | 'delete';
  repository: string;
  tag?: string | null;
  digest?: string | null;
  mediaType?: string | null;
  actor?: string | null;
  eventId: string;
  occurredAt: string;
  /** Further evidence that the target is a signature or other referrer. */
  signature?: Omit<SignatureHints, 'tag' | 'mediaType'>;
}

const present = (s: string | null | undefined): string | undefined => (s ? s : undefined);

/** Gathers events and ignore counts; every candidate passes the same signature and reference checks. */
export class ResultCollector {
  private readonly events: PushEvent[] = [];
  private readonly counts = new Map<string, number>();

  constructor(private readonly ctx: Pick<AdapterContext, 'registry' | 'source'>) {}

  ignore(reason: IgnoreReason, count = 1): void {
    if (count > 0) this.counts.set(reason, (this.counts.get(reason) ?? 0) + count);
  }

  add(c: Candidate): void {
    let tag = present(c.tag);
    let digest = present(c.digest);
    const mediaType = present(c.mediaType);
    // Some senders (Harbor on a push by digest) put the digest where the tag goes.
    if (tag !== undefined && isDigest(tag)) {
      digest ??= tag;
      tag = undefined;
    }
    if (isSignatureArtifact({ ...c.signature, tag, mediaType })) return this.ignore('signature-artifact');
    if (!isRepositoryName(c.repository)) return this.ignore('invalid-reference');
    if ((tag !== undefined && !isTag(tag)) || (digest !== undefined && !isDigest(digest))) {
      return this.ignore('invalid-reference');
    }
    if (tag === undefined && digest === undefined) return this.ignore('no-reference');
    const event: PushEvent = {
      kind: c.kind,
      registry: this.ctx.registry,
      repository: c.repository,
      eventId: c.eventId,
      occurredAt: c.occurredAt,
      source: this.ctx.source,
    };
    if (tag !== undefined) event.tag = tag;
    if (digest !== undefined) event.digest = digest;
    if (mediaType !== undefined) event.mediaType = mediaType;
    const actor = present(c.actor);
    if (actor !== undefined) event.actor = actor;
    if (c.kind === 'push' && digest === undefined) event.needsDigestResolution = true;
    this.events.push(event);
  }

  result(): WebhookParseResult {
    return {
      events: this.events,
      ignored: [...this.counts].map(([reason, count]) => ({ reason, count })),
    };
  }
}

/**
 * Id for senders without one: a hash of the exact bytes, so a redelivery dedupes; `-<index>` tells apart
 * the events of one body.
 */
export function bodyEventId(rawBody: Buffer, index = 0, total = 1): string {
  const hash = 'sha256:' + createHash('sha256').update(rawBody).digest('hex');
  return total > 1 ? `${hash}-${index}` : hash;
}

/** ISO time from the sender's timestamp (ISO string, or unix seconds), else the parse time. */
export function isoTime(value: string | number | null | undefined, options: ParseOptions): string {
  const date =
    typeof value === 'number' ? new Date(value * 1000) : typeof value === 'string' ? new Date(value) : undefined;
  if (date !== undefined && Number.isFinite(date.getTime())) return date.toISOString();
  return (options.now?.() ?? new Date()).toISOString();
}

/** A result for a body that holds nothing but one ignored item. */
export function ignoredResult(
  ctx: Pick<AdapterContext, 'registry' | 'source'>,
  reason: IgnoreReason,
): WebhookParseResult {
  const collector = new ResultCollector(ctx);
  collector.ignore(reason);
  return collector.result();
}
