export interface PayloadIssue {
  /** Dotted path of the offending field (`events.0.target.repository`); empty for the whole body. */
  path: string;
  message: string;
}

/** A body that is not JSON or not the sender's documented shape: the HTTP layer answers 400 with `details`. */
export class WebhookPayloadError extends Error {
  readonly code = 'INVALID_PAYLOAD';
  readonly details: PayloadIssue[];

  constructor(message: string, details: PayloadIssue[], options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WebhookPayloadError';
    this.details = details;
  }
}
