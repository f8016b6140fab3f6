/** Where a webhook came from; selects the adapter that reads its body. */
export const SOURCE_TYPES = [
  'distribution',
  'harbor',
  'github',
  'dockerhub',
  'acr',
  'quay',
  'artifactory',
  'ecr',
  'gar',
  'cloudevents',
] as const;
export type SourceType = (typeof SOURCE_TYPES)[number];

/** One change to one image reference, normalised from any registry's webhook. */
export interface PushEvent {
  kind: 'push' | 'delete';
  /** The configured registry NAME of the webhook endpoint; never a host read from the body. */
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
  mediaType?: string;
  actor?: string;
  /** The sender's own event id, or `sha256:<hex of raw body>` (with `-<index>` for multi-event bodies). */
  eventId: string;
  /** ISO 8601 instant of the change (the sender's timestamp, or the time of parsing when it sends none). */
  occurredAt: string;
  source: SourceType;
  /** Set when the sender gives only a tag: the digest must be resolved through the configured registry. */
  needsDigestResolution?: boolean;
}

export interface IgnoredCount {
  reason: string;
  count: number;
}

export interface WebhookParseResult {
  events: PushEvent[];
  /** What the body held that is not an image push or delete, counted by reason (for logs and metrics). */
  ignored: IgnoredCount[];
}

/** Headers as node's http module gives them; names are matched case-insensitively. */
export type WebhookHeaders = Record<string, string | string[] | undefined>;

export interface ParseOptions {
  /**
   * GAR: the image path prefix of the configured registry, host plus project (e.g.
   * `us-docker.pkg.dev/my-project`). Paths under another prefix are ignored. Without it, the first two path
   * segments (host and project) are dropped.
   */
  imagePathPrefix?: string;
  /** Clock for senders that give no timestamp, and for the age window (tests pin it). */
  now?: () => Date;
  /**
   * GitHub: deliveries whose signed body's newest time is older than this many milliseconds are refused
   * (`STALE_EVENT`), and so are bodies that carry no time (`UNDATED_EVENT`). GitHub's delivery id lies outside
   * the HMAC, so without a window a captured delivery could be replayed forever. Undefined or 0: no window.
   */
  maxEventAgeMs?: number;
}

export interface ParseWebhookInput {
  source: SourceType;
  registry: string;
  rawBody: Buffer;
  headers: WebhookHeaders;
  /**
   * True when the webhook's authentication covers the headers as well as the body (`authenticatesHeaders`:
   * every method but `hmac-sha256`). Default false: identity (actor, event id and type, repository, tag,
   * digest) is read from the body alone, and a format that keeps it in headers (CloudEvents binary mode) is
   * refused with `UNSIGNED_ATTRIBUTES`.
   */
  headersAuthenticated?: boolean;
  options?: ParseOptions;
}
