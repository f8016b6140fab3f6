import type { Dispatcher } from 'undici';
import { RegistryError } from './errors';

type Headers = Record<string, string | string[] | undefined>;

export function headerValue(headers: Headers, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Reads a response body into memory, refusing more than `maxBytes` (declared or actual). */
/** Drops a body we stopped reading; the abort it raises is expected, not an unhandled error. */
function abandon(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => undefined);
  body.destroy();
}

export async function readLimited(
  body: Dispatcher.ResponseData['body'],
  headers: Headers,
  maxBytes: number,
  what: string,
): Promise<Buffer> {
  const declared = Number(headerValue(headers, 'content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    abandon(body);
    throw new RegistryError('TOO_LARGE', `${what}: ${declared} bytes is over the ${maxBytes}-byte limit`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    total += buf.length;
    if (total > maxBytes) {
      abandon(body);
      throw new RegistryError('TOO_LARGE', `${what}: more than the ${maxBytes}-byte limit`);
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks, total);
}

/** Discards a body we will not read, so the connection returns to the pool. */
export async function discard(body: Dispatcher.ResponseData['body']): Promise<void> {
  try {
    await body.dump({ limit: 64 * 1024 });
  } catch {
    abandon(body);
  }
}
