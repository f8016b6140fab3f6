import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { headerValues } from './headers';
import type { WebhookHeaders } from './types';

/** How a webhook endpoint proves the sender; secrets are resolved plain strings. */
export type WebhookAuth =
  | { type: 'bearer'; token: string }
  /** A shared secret in a header of its own (ACR custom header, Artifactory token, Harbor "auth header"). */
  | { type: 'header'; name: string; value: string }
  | { type: 'basic'; username: string; password: string }
  /** HMAC-SHA256 of the raw body bytes, hex, e.g. GitHub's `X-Hub-Signature-256: sha256=<hex>`. */
  | { type: 'hmac-sha256'; secret: string; header?: string; prefix?: string }
  /** Docker Hub and Quay offer no header: the secret is part of the webhook URL's path. */
  | { type: 'path-secret'; secret: string }
  | { type: 'none' };

export interface AuthRequest {
  headers: WebhookHeaders;
  rawBody: Buffer;
  /** The secret segment of the request path, for `path-secret`. */
  pathSecret?: string;
}

export type AuthFailure = 'missing' | 'mismatch' | 'malformed';
export type AuthResult = { ok: true } | { ok: false; reason: AuthFailure };

const OK: AuthResult = { ok: true };
const fail = (reason: AuthFailure): AuthResult => ({ ok: false, reason });

const sha256 = (value: string | Buffer): Buffer => createHash('sha256').update(value).digest();

/**
 * Constant-time equality that leaks neither content nor length: both sides are hashed to 32 bytes first.
 * An empty expected secret never matches, so a missing configuration cannot open an endpoint.
 */
export function safeEqual(actual: string, expected: string): boolean {
  const same = timingSafeEqual(sha256(actual), sha256(expected));
  return same && expected.length > 0;
}

/** One header value; a header sent several times is malformed. */
function oneHeader(headers: WebhookHeaders, name: string): { value?: string; result?: AuthResult } {
  const values = headerValues(headers, name);
  if (values.length === 0 || values[0] === '') return { result: fail('missing') };
  if (values.length > 1) return { result: fail('malformed') };
  return { value: values[0] };
}

const BEARER = /^Bearer +(\S+) *$/i;
const BASIC = /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i;
const HEX_SHA256 = /^[0-9a-f]{64}$/i;

function checkBearer(auth: { token: string }, headers: WebhookHeaders): AuthResult {
  const { value, result } = oneHeader(headers, 'authorization');
  if (value === undefined) return result ?? fail('missing');
  const token = BEARER.exec(value)?.[1];
  if (token === undefined) return fail('malformed');
  return safeEqual(token, auth.token) ? OK : fail('mismatch');
}

function checkBasic(auth: { username: string; password: string }, headers: WebhookHeaders): AuthResult {
  const { value, result } = oneHeader(headers, 'authorization');
  if (value === undefined) return result ?? fail('missing');
  const encoded = BASIC.exec(value)?.[1];
  if (encoded === undefined) return fail('malformed');
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return fail('malformed');
  // Both comparisons always run, so the time does not tell which part was wrong.
  const userOk = safeEqual(decoded.slice(0, colon), auth.username);
  const passOk = safeEqual(decoded.slice(colon + 1), auth.password);
  return userOk && passOk ? OK : fail('mismatch');
}

function checkHmac(auth: { secret: string; header?: string; prefix?: string }, request: AuthRequest): AuthResult {
  const prefix = auth.prefix ?? 'sha256=';
  const { value, result } = oneHeader(request.headers, auth.header ?? 'x-hub-signature-256');
  if (value === undefined) return result ?? fail('missing');
  if (!value.startsWith(prefix)) return fail('malformed');
  const signature = value.slice(prefix.length).toLowerCase();
  if (!HEX_SHA256.test(signature)) return fail('malformed');
  const expected = createHmac('sha256', auth.secret).update(request.rawBody).digest('hex');
  return safeEqual(signature, expected) && auth.secret.length > 0 ? OK : fail('mismatch');
}

/**
 * Whether a method proves a request's headers as well as its body, so that headers may say who pushed and
 * which event it was (CloudEvents binary mode's `ce-*`). A shared secret (bearer, basic, header, path) is
 * presented by the sender with the whole request: whoever holds it can write any header and any body alike,
 * so a header is no less authentic than the body, and a captured request gives away the secret itself. An
 * HMAC proves only the body bytes: a captured request's headers can be rewritten and its signature still
 * matches, so under `hmac-sha256` identity must come from the signed body alone. (`none` proves nothing
 * about either.)
 */
export function authenticatesHeaders(auth: Pick<WebhookAuth, 'type'>): boolean {
  return auth.type !== 'hmac-sha256';
}

/** Checks a request against its webhook's configured authentication. */
export function authenticate(auth: WebhookAuth, request: AuthRequest): AuthResult {
  switch (auth.type) {
    case 'none':
      return OK;
    case 'bearer':
      return checkBearer(auth, request.headers);
    case 'basic':
      return checkBasic(auth, request.headers);
    case 'header': {
      const { value, result } = oneHeader(request.headers, auth.name);
      if (value === undefined) return result ?? fail('missing');
      return safeEqual(value, auth.value) ? OK : fail('mismatch');
    }
    case 'hmac-sha256':
      return checkHmac(auth, request);
    case 'path-secret':
      if (!request.pathSecret) return fail('missing');
      return safeEqual(request.pathSecret, auth.secret) ? OK : fail('mismatch');
  }
}
