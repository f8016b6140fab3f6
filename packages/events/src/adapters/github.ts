import { z } from 'zod';
import { bodyEventId, ignoredResult, isoTime, ResultCollector, type Adapter } from '../context';
import { WebhookPayloadError } from '../errors';
import { singleHeader } from '../headers';
import { parseWith } from '../payload';
import { isDigest } from '../references';

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
      container_metadata: z
        .looseObject({ tag: z.looseObject({ name: text, digest: text }).nullish() })
        .nullish(),
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

const PACKAGE_EVENTS = new Set(['registry_package', 'package']);
const PUSH_ACTIONS = new Set(['published', 'updated']);

/** GitHub Packages (GHCR): `registry_package` / `package` webhooks for container packages. */
export const parseGithub: Adapter = (ctx) => {
  const eventName = singleHeader(ctx.headers, 'x-github-event');
  if (eventName === undefined) {
    throw new WebhookPayloadError('missing X-GitHub-Event header', [
      { path: 'headers.x-github-event', message: 'required, sent once' },
    ]);
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
  const collector = new ResultCollector(ctx);
  collector.add({
    kind: 'push',
    // GHCR image names are lowercase while owner logins keep their case.
    repository: (owner ? `${owner}/${pkg.name}` : pkg.name).toLowerCase(),
    tag: tag?.name,
    digest,
    actor: body.sender?.login,
    eventId: singleHeader(ctx.headers, 'x-github-delivery') || bodyEventId(ctx.rawBody),
    occurredAt: isoTime(version?.updated_at ?? version?.created_at ?? pkg.updated_at, ctx.options),
  });
  return collector.result();
};
