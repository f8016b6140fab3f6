import { digestOf, type WebhookSource } from '@signet/oci';
import type { ParseOptions, WebhookHeaders, WebhookParseResult } from './types';

/** What an adapter gets: the body parsed once, plus the request around it. */
export interface AdapterContext {
  registry: string;
  source: WebhookSource;
  body: unknown;
  rawBody: Buffer;
  headers: WebhookHeaders;
  /** May headers say who pushed and which event it was? See `ParseWebhookInput.headersAuthenticated`. */
  headersAuthenticated: boolean;
  options: ParseOptions;
}

export type Adapter = (ctx: AdapterContext) => WebhookParseResult;

/**
 * Id for senders without one: a hash of the exact bytes, so a redelivery dedupes; `-<index>` tells apart
 * the events of one body.
 */
export function bodyEventId(rawBody: Buffer, index = 0, total = 1): string {
  const hash = digestOf(rawBody);
  return total > 1 ? `${hash}-${index}` : hash;
}

/** ISO time from the sender's timestamp (ISO string, or unix seconds), else the parse time. */
export function isoTime(value: string | number | null | undefined, options: ParseOptions): string {
  const date = typeof value === 'number' ? new Date(value * 1000) : typeof value === 'string' ? new Date(value) : undefined;
  if (date !== undefined && Number.isFinite(date.getTime())) return date.toISOString();
  return (options.now?.() ?? new Date()).toISOString();
}
