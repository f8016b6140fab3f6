import { isDigest, isRepositoryName, isTag } from '@signet/oci';
import type { AdapterContext } from './adapter';
import { isSignatureArtifact, type SignatureHints } from './media-types';
import type { PushEvent } from './push-event';
import type { WebhookParseResult } from './types';

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

/** A result for a body that holds nothing but one ignored item. */
export function ignoredResult(ctx: Pick<AdapterContext, 'registry' | 'source'>, reason: IgnoreReason): WebhookParseResult {
  const collector = new ResultCollector(ctx);
  collector.ignore(reason);
  return collector.result();
}
