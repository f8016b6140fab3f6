import type { Request, Response, NextFunction } from 'express';
import { SignetError } from '@signet/errors';

/** An HTTP answer with a JSON reason; the one place where error codes become status codes. */
export class HttpError extends SignetError<`HTTP_${number}`> {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly details: unknown[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(`HTTP_${status}`, error);
  }
}

interface BodyParserError {
  type?: string;
  status?: number;
  expose?: boolean;
  message?: string;
}

const BODY_ERRORS: Record<string, [number, string]> = {
  'entity.too.large': [413, 'body too large'],
  'encoding.unsupported': [415, 'unsupported content encoding'],
  'charset.unsupported': [415, 'unsupported charset'],
  'request.aborted': [400, 'request aborted'],
  'request.size.invalid': [400, 'request size did not match Content-Length'],
  'stream.encoding.set': [400, 'invalid request stream'],
  'entity.verify.failed': [400, 'body verification failed'],
};

/**
 * A request path as it may be logged: everything after `/webhooks/<name>/` is a path secret (Docker Hub, Quay),
 * whether or not it decodes, so it is cut off.
 */
export function loggablePath(path: string): string {
  return path.replace(/^(\/webhooks\/[^/]*\/).+$/s, '$1[redacted]');
}

/** Express error handler: client mistakes get a 4xx with `{ error, details }`; only our own bugs get a 500. */
export function errorHandler(onInternal: (err: unknown, req: Request) => void) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof HttpError) {
      res.status(err.status).set(err.headers).json({ error: err.error, details: err.details });
      return;
    }
    // The router could not decode a %-escape in a path segment (maybe a path secret); its message quotes the segment.
    if (err instanceof URIError) {
      res.status(400).json({ error: 'malformed %-escape in the request path', details: [] });
      return;
    }
    const e = err as BodyParserError;
    const known = e?.type ? BODY_ERRORS[e.type] : undefined;
    if (known) {
      res.status(known[0]).json({ error: known[1], details: [] });
      return;
    }
    if (e?.expose && typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
      res.status(e.status).json({ error: e.message ?? 'bad request', details: [] });
      return;
    }
    onInternal(err, req);
    res.status(500).json({ error: 'internal error', details: [] });
  };
}
