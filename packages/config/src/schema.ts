import { WEBHOOK_SOURCES } from '@signet/oci';
import { z } from 'zod';
import { parseExpression } from 'cron-parser';
import { parseDuration } from './duration';

const duration = z.union([z.string(), z.number().nonnegative()]).transform((v, ctx) => {
  try {
    return parseDuration(v);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
    return z.NEVER;
  }
});
/**
 * A cron expression as BullMQ schedules it (cron-parser, BullMQ's own dependency), checked at load instead of
 * when the first repeatable job is added. Five fields, or six with seconds first: the parser would complete a
 * fragment of two fields with wildcards, which is never what was meant.
 */
const cronExpression = z.string().superRefine((text, ctx) => {
  const fields = text.trim().split(/\s+/).filter(Boolean).length;
  if (!text.trim().startsWith('@') && fields !== 5 && fields !== 6) {
    ctx.addIssue({
      code: 'custom',
      message: `"${text}" has ${fields} fields; a cron expression has 5 fields (minute hour day month weekday), or 6 with seconds first`,
    });
    return;
  }
  try {
    parseExpression(text).next();
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: `invalid cron expression "${text}": ${(e as Error).message}` });
  }
});
const name = z.string().regex(/^[a-z0-9][a-z0-9._-]*$/i, 'use letters, digits, ".", "_" or "-"');
const port = z.number().int().min(0).max(65535);
const redisUrl = z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://');

/** A secret given by environment variable name (`...Env`) or file path (`...File`). */
function secretRef<K extends string>(key: K) {
  return {
    [`${key}Env`]: z.string().min(1).optional(),
    [`${key}File`]: z.string().min(1).optional(),
  } as { [P in `${K}Env` | `${K}File`]: z.ZodOptional<z.ZodString> };
}

/** `https://host[:port]`, or `https://*.domain[:port]` for any host below domain; plain http is never allowed off a registry's origin. */
const httpsOrigin = z.string().regex(/^https:\/\/(\*\.)?[^/?#@*\s]+\/?$/i, 'must be an https origin such as https://auth.example.com');

export const registrySchema = z
  .object({
    name,
    url: z.url().refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL'),
    /** Host (and port) used in image references and signature identities; defaults to the URL's host. */
    host: z.string().optional(),
    username: z.string().optional(),
    ...secretRef('password'),
    maxConcurrency: z.number().int().positive().default(8),
    timeout: duration.default(30_000),
    retries: z.number().int().nonnegative().default(4),
    /** Shared request budget per registry and credential (a token bucket kept in Redis). */
    rateLimit: z.object({ perSecond: z.number().positive(), burst: z.number().int().positive().optional() }).optional(),
    /** Repositories to scan when the registry's `_catalog` is off. */
    repositories: z.array(z.string()).optional(),
    /** Token realm origins besides the registry's own that may receive its credentials (Docker Hub's is built in). */
    authRealms: z.array(httpsOrigin).optional(),
    /** Origins besides the registry's own that blob downloads may be redirected to (S3, a CDN); sent no credentials. */
    redirectOrigins: z.array(httpsOrigin).optional(),
  })
  .strict();

const webhookAuth = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('none'),
      /**
       * Lab use only: anyone who reaches the receiver may then name any actor (`ci-bot`) and get pushes signed.
       * Without it, `none` is refused on a webhook whose registry a trust rule names.
       */
      dangerouslyLetAnyoneNameAnyActor: z.literal(true).optional(),
    })
    .strict(),
  z.object({ type: z.literal('bearer'), ...secretRef('token') }).strict(),
  z.object({ type: z.literal('header'), header: z.string().min(1), ...secretRef('value') }).strict(),
  z.object({ type: z.literal('basic'), username: z.string().min(1), ...secretRef('password') }).strict(),
  z
    .object({ type: z.literal('hmac-sha256'), header: z.string().optional(), prefix: z.string().optional(), ...secretRef('secret') })
    .strict(),
  z.object({ type: z.literal('path-secret'), ...secretRef('secret') }).strict(),
]);

/**
 * Default window for GitHub deliveries: as long as a completed push job is kept (`removeOnComplete.age`, 24 h,
 * in @signet/queue), so a delivery resent inside it meets its job and counts as a duplicate and anything older
 * is refused; long enough for a redelivery by hand after an outage overnight.
 */
const GITHUB_MAX_EVENT_AGE = 24 * 3_600_000;

export const webhookSchema = z
  .object({
    name,
    source: z.enum(WEBHOOK_SOURCES),
    registry: name,
    auth: webhookAuth,
    /** Source-specific options; an unknown (misspelt) key is refused rather than silently doing nothing. */
    options: z
      .object({ imagePathPrefix: z.string().min(1).optional() })
      .strict()
      .optional(),
    /** GitHub: refuse deliveries whose signed body is older than this (its delivery id is unsigned); 0 = no window. */
    maxEventAge: duration.optional(),
  })
  .strict()
  .refine((w) => w.options?.imagePathPrefix === undefined || w.source === 'gar', {
    path: ['options', 'imagePathPrefix'],
    message: 'only gar webhooks carry image paths under a host/project prefix',
  })
  .refine((w) => w.maxEventAge === undefined || w.source === 'github', {
    path: ['maxEventAge'],
    message: 'only github webhooks have a signed delivery time to judge',
  })
  .transform((w) => (w.source === 'github' ? { ...w, maxEventAge: w.maxEventAge ?? GITHUB_MAX_EVENT_AGE } : w));

/** Repositories whose images must be signed by one of these keys (instead of `verifier.keys`). */
export const repositoryKeysSchema = z
  .object({
    /** A registry name; every registry when omitted. */
    registry: name.optional(),
    repositories: z.array(z.string().min(1)).min(1),
    keys: z.array(z.string().min(1)).min(1),
  })
  .strict();

/** A window in which a push to these repositories (by these actors) is expected to get a signature made elsewhere. */
export const signatureWindowSchema = z
  .object({
    /** A registry name; every registry when omitted. */
    registry: name.optional(),
    repositories: z.array(z.string().min(1)).min(1),
    /** Push actors (registry user names); every actor when omitted. */
    actors: z.array(z.string().min(1)).min(1).optional(),
    window: duration,
  })
  .strict();

export const trustRuleSchema = z
  .object({
    registry: name,
    repositories: z.array(z.string().min(1)).min(1),
    actors: z.array(z.string().min(1)).min(1),
    /**
     * Also sign pushes whose webhook names only a tag (Docker Hub, Quay, ...). Off by default, because the
     * digest is then learned when the job runs: whoever overwrites the tag before that gets signed.
     */
    signTagOnlyEvents: z.boolean().default(false),
  })
  .strict();

export const configSchema = z
  .object({
    redis: z
      .object({
        url: redisUrl.default('redis://127.0.0.1:6379'),
        /** Redis Cluster seed nodes; when given, `url` is ignored. The first one's credentials and TLS apply to every node. */
        cluster: z.array(redisUrl).min(1).optional(),
        /** BullMQ key prefix; the braces make it a Redis Cluster hash tag. */
        prefix: z.string().default('{signet}'),
        /** How to check a `rediss://` Redis: a private CA, a client certificate, the name on its certificate. */
        tls: z
          .object({
            caFile: z.string().min(1).optional(),
            certFile: z.string().min(1).optional(),
            keyFile: z.string().min(1).optional(),
            servername: z.string().min(1).optional(),
          })
          .strict()
          .refine((t) => !t.certFile === !t.keyFile, 'certFile and keyFile go together')
          .optional(),
      })
      .strict()
      // TLS settings beside a plain redis:// address would be ignored and the traffic sent in clear text.
      .refine((r) => !r.tls || (r.cluster?.[0] ?? r.url).startsWith('rediss://'), {
        message: 'redis.tls needs a rediss:// URL',
        path: ['tls'],
      })
      .default({ url: 'redis://127.0.0.1:6379', prefix: '{signet}' }),
    registries: z.array(registrySchema).min(1),
    webhooks: z.array(webhookSchema).default([]),
    receiver: z
      .object({
        port: port.default(8080),
        host: z.string().default('0.0.0.0'),
        bodyLimit: z.string().default('1mb'),
        /**
         * The ops listener, apart from the webhooks: `/metrics`, `/healthz`, `/readyz` (and the dashboard when on).
         * On all interfaces by default, since the kubelet's probes and Prometheus come from beyond the pod.
         */
        ops: z
          .object({ port: port.default(9100), host: z.string().default('0.0.0.0') })
          .strict()
          .default({ port: 9100, host: '0.0.0.0' }),
        // Renamed: an old config is refused with the new name rather than its listener silently moving.
        admin: z
          .never({ error: 'renamed to receiver.ops (port 9100, host 0.0.0.0): it now also serves /metrics, /healthz and /readyz' })
          .optional(),
        /** bull-board queue dashboard at /admin/queues, read-only, behind basic auth, on the ops listener. */
        dashboard: z
          .object({
            enabled: z.boolean().default(false),
            username: z.string().default('admin'),
            ...secretRef('password'),
            /**
             * Answer clients beyond loopback too (still basic auth, still read-only). Off, the ops port stays open to
             * probes and scrapes while the dashboard is reached through `kubectl port-forward` or an SSH tunnel.
             */
            allowRemote: z.boolean().default(false),
            // The public port serves only /webhooks/: whoever can send webhooks must not reach the queues' contents.
            dangerouslyServeOnWebhookListener: z
              .never({
                error: 'removed: the public port serves only /webhooks/; the dashboard is on receiver.ops (see dashboard.allowRemote)',
              })
              .optional(),
          })
          .strict()
          .optional(),
      })
      .strict()
      .default({ port: 8080, host: '0.0.0.0', bodyLimit: '1mb', ops: { port: 9100, host: '0.0.0.0' } }),
    signer: z
      .object({
        port: port.default(9101),
        concurrency: z.number().int().positive().default(4),
        key: z
          .object({
            path: z.string().optional(),
            provider: z.string().optional(),
            /** A key reference as `signet sign --key` takes it: `pkcs11:…` (the PIN from the URI or `passwordEnv`/`passwordFile`), `env://VAR`, a path, or a KMS name. */
            uri: z.string().min(1).optional(),
            ...secretRef('password'),
          })
          .strict()
          .optional(),
        /** Public keys of earlier signing keys: a signature by one of them also counts as "already signed". */
        previousKeys: z.array(z.string()).default([]),
        trust: z.array(trustRuleSchema).default([]),
        /** `tag`: docker-reference `host/repo:tag` (default); `repository`: cosign's tagless `host/repo`. */
        identity: z.enum(['tag', 'repository']).default('tag'),
        annotations: z.record(z.string(), z.string()).default({}),
        recursive: z.boolean().default(false),
        layout: z.enum(['sig', 'bundle']).default('sig'),
        /** Optional BullMQ rate limit for the whole signer pool: at most `max` jobs per `duration`. */
        limiter: z.object({ max: z.number().int().positive(), duration }).strict().optional(),
        /** How long a worker's hold on a job lasts without renewal; a killed replica's job is taken over after it. */
        lockDuration: duration.default(30_000),
        /** How often each replica looks for jobs whose holder died. */
        stalledInterval: duration.default(30_000),
        /** Expiry of the per-digest lock that serialises replicas around check and append. */
        digestLockTtl: duration.default(30_000),
      })
      .strict()
      .optional(),
    verifier: z
      .object({
        port: port.default(9102),
        concurrency: z.number().int().positive().default(4),
        keys: z.array(z.string()).min(1),
        /** First matching rule wins; repositories no rule matches use `keys`. */
        repositoryKeys: z.array(repositoryKeysSchema).default([]),
        /**
         * Public keys (PEM paths, as `keys`) that no longer count: a compromised key's signatures make a tag
         * `invalid` (reason `revoked`) even where the key is still listed in `keys` or `repositoryKeys`.
         */
        revokedKeys: z.array(z.string()).default([]),
        rescan: z
          .object({ every: duration.optional(), cron: cronExpression.optional(), tagConcurrency: z.number().int().positive().default(16) })
          .strict()
          .refine(
            (r) => r.every === undefined || r.cron === undefined,
            'give every or cron, not both (cron would win and every be ignored)',
          )
          .default({ every: 60_000, tagConcurrency: 16 }),
        gracePeriod: duration.default(30_000),
        historyLength: z.number().int().min(1).max(50).default(5),
        /**
         * Bounds on reading one digest's signatures, all of which anyone with push access can write: the excess
         * is skipped and judged `invalid`, never a failed lookup.
         */
        signatureLimits: z
          .object({
            maxLayers: z.number().int().min(1).max(1000).default(32),
            maxBytes: z
              .number()
              .int()
              .min(64 * 1024)
              .default(4 * 1024 * 1024),
            maxBlobBytes: z
              .number()
              .int()
              .min(1024)
              .default(4 * 1024 * 1024),
          })
          .strict()
          .default({ maxLayers: 32, maxBytes: 4 * 1024 * 1024, maxBlobBytes: 4 * 1024 * 1024 }),
        /**
         * Pushes expected to be signed outside Signet (`cosign sign` in a CI not in the trust rules): first match
         * wins; its digest stays pending for `window` instead of alerting, and alerts at once if still unsigned then.
         */
        signatureWindows: z.array(signatureWindowSchema).default([]),
        /** A push whose digest the registry does not show on the tag yet is looked at again this long after. */
        lookAgain: duration.default(1000),
        /** How long a deleted tag's last record is kept, so a re-push under it is judged as a replacement. */
        tombstoneTtl: duration.default(30 * 24 * 3600_000),
      })
      .strict()
      .optional(),
    /** The Kubernetes admission webhook: judges the images of pods and workload templates at deploy time. */
    admission: z
      .object({
        /** HTTPS port of `POST /validate` and `POST /mutate` (the API server only calls webhooks over TLS). */
        port: port.default(9443),
        host: z.string().default('0.0.0.0'),
        /** Serving certificate and key (PEM), read again when either file changes (cert-manager rotates them). */
        tls: z.object({ certFile: z.string().min(1), keyFile: z.string().min(1), reloadInterval: duration.default(10_000) }).strict(),
        /** `/metrics`, `/healthz`, `/readyz` in plain HTTP, where the other services serve them. */
        opsPort: port.default(9103),
        /** `enforce` denies, `warn` admits with AdmissionReview warnings, `audit` admits and records. */
        defaultMode: z.enum(['enforce', 'warn', 'audit']).default('enforce'),
        /** Mode per namespace, over the default and over the mode the webhook configuration's path names (`/validate/warn`). */
        namespaces: z.record(z.string(), z.enum(['enforce', 'warn', 'audit'])).default({}),
        /** Namespaces admitted unjudged: Signet's own (it must start to judge anything) and the control plane's. */
        excludedNamespaces: z.array(z.string()).default(['signet', 'kube-system']),
        /** Images from a registry not in `registries[]`: Signet has no verdict on them. */
        unwatchedRegistries: z.enum(['deny', 'allow', 'warn']).default('deny'),
        /** Judge Pods only, not the pod templates of Deployments, Jobs...; a GitOps controller then sees no template rewritten. */
        podsOnly: z.boolean().default(false),
        /** Time a review may spend verifying a digest Signet has no verdict on, against the registry. */
        liveBudget: duration.default(3000),
        /** How long a live verification that found a valid signature is remembered (per digest, reference and key set). */
        cacheTtl: duration.default(600_000),
      })
      .strict()
      .optional(),
    log: z
      .object({ level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info') })
      .strict()
      .default({ level: 'info' }),
  })
  .strict();

export type RawConfig = z.output<typeof configSchema>;
