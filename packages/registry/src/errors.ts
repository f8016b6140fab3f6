import { SignetError } from '@signet/errors';

/** Stable codes of registry failures; callers branch on `code`, never on messages. */
export type RegistryErrorCode =
  | 'REGISTRY_UNAUTHORIZED'
  | 'REGISTRY_DENIED'
  | 'MANIFEST_UNKNOWN'
  | 'BLOB_UNKNOWN'
  | 'NAME_UNKNOWN'
  | 'NAME_INVALID'
  | 'MANIFEST_INVALID'
  | 'UNSUPPORTED'
  | 'TOO_MANY_REQUESTS'
  | 'DIGEST_MISMATCH'
  | 'TOO_LARGE'
  | 'REGISTRY_UNAVAILABLE'
  | 'REGISTRY_TIMEOUT'
  | 'FOREIGN_HOST'
  | 'REALM_NOT_ALLOWED'
  | 'REDIRECT_NOT_ALLOWED'
  | 'CONFIG_INVALID'
  | 'CREDENTIAL_HELPER_FAILED'
  | 'REGISTRY_ERROR';

export interface RegistryErrorDetails {
  status?: number;
  /** True when the same request may succeed later (429, 5xx, network errors, timeouts). */
  retryable?: boolean;
  /** Server-requested delay before a retry (from `Retry-After`), in ms. */
  retryAfterMs?: number;
  cause?: unknown;
}

export class RegistryError extends SignetError<RegistryErrorCode> {
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(code: RegistryErrorCode, message: string, details: RegistryErrorDetails = {}) {
    super(code, message, { cause: details.cause, retryable: details.retryable ?? false });
    this.status = details.status;
    this.retryAfterMs = details.retryAfterMs;
  }
}

export function isRegistryError(err: unknown, code?: RegistryErrorCode): err is RegistryError {
  return err instanceof RegistryError && (code === undefined || err.code === code);
}

/** Distribution spec error codes → ours; unknown codes fall back to the HTTP status. */
const SPEC_CODES: Record<string, RegistryErrorCode> = {
  UNAUTHORIZED: 'REGISTRY_UNAUTHORIZED',
  DENIED: 'REGISTRY_DENIED',
  MANIFEST_UNKNOWN: 'MANIFEST_UNKNOWN',
  MANIFEST_BLOB_UNKNOWN: 'BLOB_UNKNOWN',
  BLOB_UNKNOWN: 'BLOB_UNKNOWN',
  BLOB_UPLOAD_UNKNOWN: 'BLOB_UNKNOWN',
  NAME_UNKNOWN: 'NAME_UNKNOWN',
  NAME_INVALID: 'NAME_INVALID',
  TAG_INVALID: 'MANIFEST_INVALID',
  MANIFEST_INVALID: 'MANIFEST_INVALID',
  MANIFEST_UNVERIFIED: 'MANIFEST_INVALID',
  DIGEST_INVALID: 'DIGEST_MISMATCH',
  SIZE_INVALID: 'MANIFEST_INVALID',
  UNSUPPORTED: 'UNSUPPORTED',
  TOOMANYREQUESTS: 'TOO_MANY_REQUESTS',
};

function codeForStatus(status: number): RegistryErrorCode {
  if (status === 401) return 'REGISTRY_UNAUTHORIZED';
  if (status === 403) return 'REGISTRY_DENIED';
  if (status === 404) return 'MANIFEST_UNKNOWN';
  if (status === 413) return 'TOO_LARGE';
  if (status === 429) return 'TOO_MANY_REQUESTS';
  if (status >= 500) return 'REGISTRY_UNAVAILABLE';
  return 'REGISTRY_ERROR';
}

export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 408 || (status >= 500 && status !== 501 && status !== 505);
}

/** Parses `Retry-After` (seconds or an HTTP date) into ms, capped so a hostile value cannot stall us for hours. */
export function parseRetryAfter(value: string | undefined, now = Date.now(), capMs = 60_000): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(trimmed)) ms = Number(trimmed) * 1000;
  else {
    const at = Date.parse(trimmed);
    if (Number.isNaN(at)) return undefined;
    ms = at - now;
  }
  return Math.min(Math.max(0, ms), capMs);
}

/**
 * Maps an HTTP error response (status, headers, body) to a typed error, in one place. A response from
 * `foreignOrigin` (a token service or storage host, not the registry) is judged by its status alone: its
 * body is whatever that host chose to say and is never parsed or echoed.
 */
export function errorFromResponse(
  status: number,
  body: Buffer,
  what: string,
  headers: Record<string, string | string[] | undefined> = {},
  foreignOrigin?: string,
): RegistryError {
  const retryAfter = headers['retry-after'];
  const retryAfterMs = parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter);
  if (foreignOrigin !== undefined) {
    return new RegistryError(codeForStatus(status), `${what}: HTTP ${status} from ${foreignOrigin}`, {
      status,
      retryable: isRetryableStatus(status),
      retryAfterMs,
    });
  }
  let specCode: string | undefined;
  let specMessage: string | undefined;
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { errors?: { code?: unknown; message?: unknown }[] };
    const first = parsed.errors?.[0];
    if (first && typeof first.code === 'string') specCode = first.code;
    if (first && typeof first.message === 'string') specMessage = first.message;
  } catch {
    /* not a JSON error body (e.g. "404 page not found"); the status decides */
  }
  let code = (specCode && SPEC_CODES[specCode]) || codeForStatus(status);
  // A 401 is always an authentication problem, whatever the body says.
  if (status === 401) code = 'REGISTRY_UNAUTHORIZED';
  if (status === 429) code = 'TOO_MANY_REQUESTS';
  const detail = specMessage ?? (body.length > 0 && body.length < 200 ? body.toString('utf8').trim() : `HTTP ${status}`);
  return new RegistryError(code, `${what}: ${detail} (${specCode ?? `HTTP ${status}`})`, {
    status,
    retryable: isRetryableStatus(status),
    retryAfterMs,
  });
}

/** A manifest or repository that does not exist (as opposed to a failed lookup). */
export function isMissing(err: unknown): boolean {
  return isRegistryError(err, 'MANIFEST_UNKNOWN') || isRegistryError(err, 'NAME_UNKNOWN') || isRegistryError(err, 'BLOB_UNKNOWN');
}
