import { z } from 'zod';
import { isoTime, type Adapter, type AdapterContext } from '../adapter';
import { ignoredResult, ResultCollector } from '../result-collector';
import { WebhookPayloadError } from '../errors';
import { parseJson, parseWith } from '../json-body';

const text = z.string().nullish();

const pushSchema = z.looseObject({
  message: z.looseObject({ data: z.string(), messageId: z.string().min(1), publishTime: text }),
});
const garDataSchema = z.looseObject({ action: z.string(), digest: text, tag: text });

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const KINDS = new Map<string, 'push' | 'delete'>([
  ['INSERT', 'push'],
  ['DELETE', 'delete'],
]);

/** `host/project/repo/image@sha256:...` or `host/project/repo/image:tag` split into path and reference. */
function splitImage(value: string, separator: '@' | ':'): { path: string; reference: string } | undefined {
  const at = separator === '@' ? value.indexOf('@') : value.lastIndexOf(':');
  if (at <= 0 || value.indexOf('/', at) !== -1) return undefined;
  return { path: value.slice(0, at), reference: value.slice(at + 1) };
}

/** The repository inside the configured registry: the path under the configured host and project. */
function repositoryOf(path: string, ctx: AdapterContext): string | undefined {
  const prefix = ctx.options.imagePathPrefix?.replace(/^[a-z]+:\/\//i, '').replace(/\/+$/, '');
  if (prefix) return path.startsWith(`${prefix}/`) ? path.slice(prefix.length + 1) : undefined;
  return path.split('/').slice(2).join('/');
}

function decodeData(data: string): unknown {
  if (!BASE64.test(data)) {
    const issue = { path: 'message.data', message: 'not base64' };
    throw new WebhookPayloadError('body is not a valid Pub/Sub push', [issue]);
  }
  return parseJson(Buffer.from(data, 'base64'), 'message.data');
}

/** Google Artifact Registry notifications delivered by a Pub/Sub push subscription. */
export const parseGar: Adapter = (ctx) => {
  const { message } = parseWith(pushSchema, ctx.body, 'Pub/Sub push');
  const data = parseWith(garDataSchema, decodeData(message.data), 'Artifact Registry', 'message.data');
  const kind = KINDS.get(data.action);
  if (kind === undefined) return ignoredResult(ctx, 'unsupported-action');
  const byDigest = data.digest ? splitImage(data.digest, '@') : undefined;
  const byTag = data.tag ? splitImage(data.tag, ':') : undefined;
  const path = byDigest?.path ?? byTag?.path;
  if (path === undefined || (byDigest && byTag && byDigest.path !== byTag.path)) {
    return ignoredResult(ctx, 'invalid-reference');
  }
  const repository = repositoryOf(path, ctx);
  if (repository === undefined) return ignoredResult(ctx, 'outside-prefix');
  const collector = new ResultCollector(ctx);
  collector.add({
    kind,
    repository,
    tag: byTag?.reference,
    digest: byDigest?.reference,
    eventId: message.messageId,
    occurredAt: isoTime(message.publishTime, ctx.options),
  });
  return collector.result();
};
