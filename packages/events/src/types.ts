import type { WebhookSource } from '@signet/oci';
import type { PushEvent } from './push-event';

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
  source: WebhookSource;
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
