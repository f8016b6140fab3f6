import { SignetError } from '@signet/errors';

export interface PayloadIssue {
  /** Dotted path of the offending field (`events.0.target.repository`); empty for the whole body. */
  path: string;
  message: string;
}

/**
 * Why a request's content is refused: `INVALID_PAYLOAD` (not JSON, or not the sender's documented shape),
 * `UNSIGNED_ATTRIBUTES` (the event's identity would come from headers a body signature does not cover),
 * `STALE_EVENT` / `UNDATED_EVENT` (a signed delivery older than the webhook's window, or with no time to judge).
 */
export type PayloadErrorCode = 'INVALID_PAYLOAD' | 'UNSIGNED_ATTRIBUTES' | 'STALE_EVENT' | 'UNDATED_EVENT';

/** A request refused for what it holds: the HTTP layer answers 400 with the message and `details`. */
export class WebhookPayloadError extends SignetError<PayloadErrorCode> {
  readonly details: PayloadIssue[];

  constructor(message: string, details: PayloadIssue[], options?: { cause?: unknown; code?: PayloadErrorCode }) {
    super(options?.code ?? 'INVALID_PAYLOAD', message, { cause: options?.cause });
    this.details = details;
  }
}
