import { z } from 'zod';
import { bodyEventId, isoTime, type Adapter } from '../adapter';
import { ignoredResult, ResultCollector } from '../result-collector';
import type { ParseOptions } from '../types';
import { WebhookPayloadError } from '../errors';
import { singleHeader } from '../headers';
import { parseWith } from '../json-body';
import { isDigest } from '@signet/oci';

const text = z.string().nullish();

const packageSchema = z.looseObject({
  name: z.string(),
  namespace: text,
  package_type: text,
  ecosystem: text,
  updated_at: text,
  owner: z.looseObject({ login: text }).nullish(),
  package_version: z
    .looseObject({
      version: text,
      created_at: text,
      updated_at: text,
      container_metadata: z.looseObject({ tag: z.looseObject({ name: text, digest: text }).nullish() }).nullish(),
    })
    .nullish(),
});

const bodySchema = z.looseObject({
  action: z.string(),
  // `registry_package` events carry it under that key, the older `package` events under `package`.
  registry_package: packageSchema.optional(),
  package: packageSchema.optional(),
  sender: z.looseObject({ login: text }).nullish(),
});

type Package = z.infer<typeof packageSchema>;

const PACKAGE_EVENTS = new Set(['registry_package', 'package']);
const PUSH_ACTIONS = new Set(['published', 'updated']);

/**
 * The newest time the signed body gives, with its path. Every time in a body was written before the delivery
 * was, so the newest one is the closest bound on the delivery's age.
 */
function signedTime(pkg: Package, key: string): { at: number; path: string } | undefined {
  const times: Array<[string, string | null | undefined]> = [
    [`${key}.package_version.updated_at`, pkg.package_version?.updated_at],
    [`${key}.package_version.created_at`, pkg.package_version?.created_at],
    [`${key}.updated_at`, pkg.updated_at],
  ];
  let newest: { at: number; path: string } | undefined;
  for (const [path, value] of times) {
    const at = value ? Date.parse(value) : NaN;
    if (Number.isFinite(at) && (newest === undefined || at > newest.at)) newest = { at, path };
  }
  return newest;
}

/** A window as configured people read it: `24h`, `90m`, `45s`. */
function durationText(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  return ms % 60_000 === 0 ? `${ms / 60_000}m` : `${ms / 1000}s`;
}

/**
 * GitHub signs the body but not `X-GitHub-Delivery`, and keeps no nonce: a captured delivery verifies forever.
 * Its job id comes from the body, so a resend meets the job it made while that is kept; the window refuses it
 * after. A body with no time cannot show its age and is refused while a window is set.
 */
function refuseOutsideWindow(pkg: Package, key: string, options: ParseOptions): void {
  const window = options.maxEventAgeMs;
  if (!window) return;
  const time = signedTime(pkg, key);
  if (time === undefined) {
    throw new WebhookPayloadError(
      'signed GitHub delivery has no time, so its age cannot be checked (webhooks[].maxEventAge)',
      [{ path: `${key}.package_version.updated_at`, message: 'required while a maximum event age is set' }],
      { code: 'UNDATED_EVENT' },
    );
  }
  const now = (options.now?.() ?? new Date()).getTime();
  if (now - time.at > window) {
    throw new WebhookPayloadError(
      `signed GitHub delivery is older than the ${durationText(window)} window (webhooks[].maxEventAge): refused as a possible replay`,
      [{ path: time.path, message: `${new Date(time.at).toISOString()} is ${Math.round((now - time.at) / 60_000)} minutes ago` }],
      { code: 'STALE_EVENT' },
    );
  }
}

/**
 * GitHub Packages (GHCR): `registry_package` / `package` webhooks for container packages. Everything queued
 * comes from the HMAC-signed body. `X-GitHub-Event`, outside the signature, only decides whether the body is
 * read at all: a rewritten one can make a package delivery ignored (as dropping it would), never make another
 * body a push, since the package must be in the signed body under its key.
 */
export const parseGithub: Adapter = (ctx) => {
  const eventName = singleHeader(ctx.headers, 'x-github-event');
  if (eventName === undefined) {
    throw new WebhookPayloadError('missing X-GitHub-Event header', [{ path: 'headers.x-github-event', message: 'required, sent once' }]);
  }
  // `ping` (sent when the hook is created) and every other subscribed event answer 2xx without work.
  if (!PACKAGE_EVENTS.has(eventName)) return ignoredResult(ctx, 'unsupported-event-type');
  const body = parseWith(bodySchema, ctx.body, 'GitHub');
  const pkg = body.registry_package ?? body.package;
  if (pkg === undefined) {
    throw new WebhookPayloadError('body is not a valid GitHub webhook', [
      { path: 'registry_package', message: 'required for a package event' },
    ]);
  }
  const type = (pkg.package_type ?? pkg.ecosystem ?? '').toLowerCase();
  if (type !== 'container') return ignoredResult(ctx, 'not-a-container');
  if (!PUSH_ACTIONS.has(body.action)) return ignoredResult(ctx, 'unsupported-action');
  const version = pkg.package_version;
  const tag = version?.container_metadata?.tag;
  const digest = tag?.digest ?? (version?.version && isDigest(version.version) ? version.version : undefined);
  const owner = pkg.namespace ?? pkg.owner?.login;
  refuseOutsideWindow(pkg, body.registry_package ? 'registry_package' : 'package', ctx.options);
  const collector = new ResultCollector(ctx);
  collector.add({
    kind: 'push',
    // GHCR image names are lowercase while owner logins keep their case.
    repository: (owner ? `${owner}/${pkg.name}` : pkg.name).toLowerCase(),
    tag: tag?.name,
    digest,
    actor: body.sender?.login,
    // Not X-GitHub-Delivery: that id is unsigned, and a new one would make a replay a new job.
    eventId: bodyEventId(ctx.rawBody),
    occurredAt: isoTime(version?.updated_at ?? version?.created_at ?? pkg.updated_at, ctx.options),
  });
  return collector.result();
};
