import { z } from 'zod';
import { WebhookPayloadError } from './errors';
import { headerValues, mediaTypeOf, singleHeader } from './headers';
import { parseJson, parseWith } from './json-body';
import type { WebhookHeaders } from './types';

/** The parts of a CloudEvent (1.0) the adapters use, whichever HTTP mode carried it. */
export interface CloudEvent {
  id: string;
  type: string;
  time?: string;
  data: unknown;
  /** Extension attributes (Harbor's `operator`), as strings. */
  extensions: Record<string, string>;
}

export const STRUCTURED_CONTENT_TYPE = 'application/cloudevents+json';

const structuredSchema = z.looseObject({
  specversion: z.string(),
  id: z.string().min(1),
  type: z.string().min(1),
  source: z.string().nullish(),
  time: z.string().nullish(),
  data: z.unknown().optional(),
  data_base64: z.string().nullish(),
});

const REQUIRED_BINARY_HEADERS = ['ce-specversion', 'ce-id', 'ce-type'] as const;

/** Binary mode puts the attributes in `ce-*` headers and the data alone in the body. */
export function isBinaryMode(headers: WebhookHeaders): boolean {
  return headerValues(headers, 'ce-specversion').length > 0;
}

export function isStructuredMode(headers: WebhookHeaders, body: unknown): boolean {
  if (mediaTypeOf(singleHeader(headers, 'content-type')) === STRUCTURED_CONTENT_TYPE) return true;
  return typeof body === 'object' && body !== null && 'specversion' in body;
}

/**
 * Reads the event in whichever mode it came. Binary mode is refused unless the headers are authenticated:
 * there the CloudEvents HTTP binding puts every context attribute (id, type, time, extensions such as
 * Harbor's `operator`) in `ce-*` headers and nothing but the data in the body, so a signature over the body
 * leaves who pushed, what happened and which event it was open to rewriting. Requiring copies of them in the
 * data is no way out: the binding defines no place for them there, senders (Harbor) do not write them, and
 * `type`, which tells a push from a delete, has no data field at all. Structured mode carries every attribute
 * in the signed body.
 */
export function readCloudEvent(request: { headers: WebhookHeaders; body: unknown; headersAuthenticated: boolean }): CloudEvent {
  const { headers, body } = request;
  if (!isBinaryMode(headers)) return readStructured(body);
  if (!request.headersAuthenticated) {
    throw new WebhookPayloadError(
      'CloudEvents binary mode is refused under a body signature: its ce-* attributes (id, type, operator) are not signed; send structured mode (application/cloudevents+json)',
      [{ path: 'headers.ce-specversion', message: 'binary mode needs an authentication that covers the headers (bearer, basic, header)' }],
      { code: 'UNSIGNED_ATTRIBUTES' },
    );
  }
  return readBinary(headers, body);
}

function readBinary(headers: WebhookHeaders, body: unknown): CloudEvent {
  const attrs: Record<string, string> = Object.create(null);
  for (const [name, value] of Object.entries(headers)) {
    const key = name.toLowerCase();
    if (!key.startsWith('ce-') || value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    if (values.length !== 1) throw missingAttribute(key, 'must be sent once');
    attrs[key.slice(3)] = values[0] ?? '';
  }
  for (const name of REQUIRED_BINARY_HEADERS) {
    if (!attrs[name.slice(3)]) throw missingAttribute(name, 'required CloudEvents attribute is missing');
  }
  const { id = '', type = '', time, specversion: _v, source: _s, ...extensions } = attrs;
  return { id, type, time, data: body, extensions };
}

function readStructured(body: unknown): CloudEvent {
  const event = parseWith(structuredSchema, body, 'CloudEvents');
  const extensions: Record<string, string> = {};
  for (const [key, value] of Object.entries(event)) {
    if (typeof value === 'string' && !(key in structuredSchema.shape)) extensions[key] = value;
  }
  const data =
    event.data === undefined && event.data_base64 ? parseJson(Buffer.from(event.data_base64, 'base64'), 'data_base64') : event.data;
  return { id: event.id, type: event.type, time: event.time ?? undefined, data, extensions };
}

function missingAttribute(header: string, message: string): WebhookPayloadError {
  return new WebhookPayloadError('invalid CloudEvents headers', [{ path: `headers.${header}`, message }]);
}
