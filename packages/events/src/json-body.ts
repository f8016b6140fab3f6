import type { z } from 'zod';
import { WebhookPayloadError, type PayloadIssue } from './errors';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes strict UTF-8 JSON; anything else is the client's fault, never an exception of another kind. */
export function parseJson(raw: Buffer | Uint8Array, path = ''): unknown {
  try {
    return JSON.parse(utf8.decode(raw));
  } catch (cause) {
    const message = cause instanceof SyntaxError ? cause.message : 'not valid UTF-8 JSON';
    throw new WebhookPayloadError('body is not valid JSON', [{ path, message }], { cause });
  }
}

/** Validates a value against a source's schema; issues come back as dotted paths for the 400 answer. */
export function parseWith<T>(schema: z.ZodType<T>, value: unknown, what: string, basePath = ''): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const details: PayloadIssue[] = parsed.error.issues.map((issue) => ({
    path: [basePath, ...issue.path.map((p) => String(p))].filter((p) => p !== '').join('.'),
    message: issue.message,
  }));
  throw new WebhookPayloadError(`body is not a valid ${what} webhook`, details, { cause: parsed.error });
}
