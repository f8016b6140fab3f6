import { readFileSync } from 'node:fs';
import { SignetError } from '@signet/errors';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { configSchema, type RawConfig } from './schema';
import { Secret, secretProblem } from './secret';

export type AppName = 'receiver' | 'signer' | 'verifier' | 'admission' | 'cli';

export interface ConfigIssue {
  path: string;
  message: string;
}

/** The config file is missing, unreadable or invalid; `issues` lists every bad field with its path. */
export class ConfigError extends SignetError<'INVALID_CONFIG'> {
  constructor(
    readonly source: string,
    readonly issues: ConfigIssue[],
    options?: { cause?: unknown },
  ) {
    super('INVALID_CONFIG', `invalid configuration in ${source}:\n` + issues.map((i) => `  - ${i.path || '(root)'}: ${i.message}`).join('\n'), options);
  }
}

type Raw = RawConfig;
type Resolve<T> = Omit<T, `${string}Env` | `${string}File`>;

export type RegistryConfig = Resolve<Raw['registries'][number]> & { host: string; password?: Secret };
export type WebhookAuthConfig =
  | { type: 'none'; dangerouslyLetAnyoneNameAnyActor?: true }
  | { type: 'bearer'; token: Secret }
  | { type: 'header'; header: string; value: Secret }
  | { type: 'basic'; username: string; password: Secret }
  | { type: 'hmac-sha256'; header?: string; prefix?: string; secret: Secret }
  | { type: 'path-secret'; secret: Secret };
export type WebhookConfig = Omit<Raw['webhooks'][number], 'auth'> & { auth: WebhookAuthConfig };
export type SignerConfig = Omit<NonNullable<Raw['signer']>, 'key'> & { key?: { path?: string; provider?: string; uri?: string; password?: Secret } };
export type VerifierConfig = NonNullable<Raw['verifier']>;
export type AdmissionConfig = NonNullable<Raw['admission']>;
export type ReceiverConfig = Omit<Raw['receiver'], 'dashboard'> & {
  dashboard?: { enabled: boolean; username: string; password?: Secret; allowRemote: boolean };
};

/** The whole configuration, parsed and with every secret resolved. */
export interface SignetConfig {
  redis: Raw['redis'];
  registries: RegistryConfig[];
  webhooks: WebhookConfig[];
  receiver: ReceiverConfig;
  signer?: SignerConfig;
  verifier?: VerifierConfig;
  admission?: AdmissionConfig;
  log: Raw['log'];
  /** Where the config was read from. */
  source: string;
}

export interface LoadOptions {
  /** Path of the YAML file; default `SIGNET_CONFIG` or `./signet.yaml`. */
  path?: string;
  /** Environment to read overrides and secrets from; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Which app is starting: only its secrets must resolve, and `PORT` overrides its port. */
  app?: AppName;
}

const zodPath = (p: PropertyKey[]) => p.map(String).join('.');

function issuesOf(error: z.ZodError): ConfigIssue[] {
  return error.issues.map((i) => ({ path: zodPath(i.path), message: i.message }));
}

/** Reads, validates and resolves the configuration once, at start. Throws ConfigError listing every problem. */
export function loadConfig(opts: LoadOptions = {}): SignetConfig {
  const env = opts.env ?? process.env;
  const path = opts.path ?? env.SIGNET_CONFIG ?? './signet.yaml';
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(path, [{ path: '', message: `cannot read file: ${(e as Error).message}` }], { cause: e });
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new ConfigError(path, [{ path: '', message: `not valid YAML: ${(e as Error).message}` }], { cause: e });
  }
  return parseConfig(doc, { ...opts, env, source: path });
}

/** Validates an already parsed document (used by loadConfig and by tests). */
export function parseConfig(doc: unknown, opts: LoadOptions & { source?: string } = {}): SignetConfig {
  const env = opts.env ?? process.env;
  const source = opts.source ?? '(inline)';
  const withEnv = applyEnvOverrides(doc, env, opts.app);
  const parsed = configSchema.safeParse(withEnv);
  if (!parsed.success) throw new ConfigError(source, issuesOf(parsed.error));
  const raw = parsed.data;
  const issues: ConfigIssue[] = [];
  checkReferences(raw, issues);

  const needs = (section: 'registries' | 'webhooks' | 'signer' | 'verifier' | 'dashboard') => {
    switch (opts.app) {
      case undefined:
        return true;
      case 'receiver':
        return section === 'webhooks' || section === 'dashboard';
      case 'signer':
        return section === 'registries' || section === 'signer';
      case 'verifier':
        return section === 'registries';
      case 'admission':
      case 'cli':
        return section === 'registries';
    }
  };
  /** Resolves a secret; one the starting app needs is judged: `chosen` (webhook, dashboard) or `given` (registry, key). */
  const secret = (obj: Record<string, unknown>, key: string, at: string, required: boolean, section: Parameters<typeof needs>[0], kind: 'chosen' | 'given'): Secret | undefined => {
    const envName = obj[`${key}Env`] as string | undefined;
    const file = obj[`${key}File`] as string | undefined;
    if (envName && file) issues.push({ path: `${at}.${key}Env`, message: `give ${key}Env or ${key}File, not both` });
    const judged = (value: string | Secret, path: string, what: string): Secret => {
      const secret = typeof value === 'string' ? new Secret(value) : value;
      const problem = needs(section) ? secretProblem(secret.reveal(), kind) : undefined;
      if (problem) issues.push({ path, message: `${what} ${problem}` });
      return secret;
    };
    if (envName) {
      const v = env[envName];
      if (v !== undefined) return judged(v, `${at}.${key}Env`, `environment variable ${envName}`);
      if (needs(section)) issues.push({ path: `${at}.${key}Env`, message: `environment variable ${envName} is not set` });
      return undefined;
    }
    if (file) {
      try {
        // Read again when the file changes (rotated registry tokens), so the services need no restart.
        return judged(Secret.fromFile(file, kind), `${at}.${key}File`, `file ${file}`);
      } catch (e) {
        if (needs(section)) issues.push({ path: `${at}.${key}File`, message: `cannot read ${file}: ${(e as Error).message}` });
        return undefined;
      }
    }
    if (required && needs(section)) issues.push({ path: `${at}.${key}Env`, message: `${key}Env or ${key}File is required` });
    return undefined;
  };
  const strip = <T extends object>(o: T): T =>
    Object.fromEntries(Object.entries(o).filter(([k]) => !k.endsWith('Env') && !k.endsWith('File'))) as T;

  const registries: RegistryConfig[] = raw.registries.map((r, i) => ({
    ...strip(r),
    host: r.host ?? new URL(r.url).host,
    password: secret(r, 'password', `registries.${i}`, false, 'registries', 'given'),
  }));
  const webhooks: WebhookConfig[] = raw.webhooks.map((w, i) => {
    const at = `webhooks.${i}.auth`;
    const a = w.auth as Record<string, unknown> & { type: WebhookAuthConfig['type'] };
    const key = { none: '', bearer: 'token', header: 'value', basic: 'password', 'hmac-sha256': 'secret', 'path-secret': 'secret' }[a.type];
    const auth = (key ? { ...strip(a), [key]: secret(a, key, at, true, 'webhooks', 'chosen') ?? new Secret('') } : strip(a)) as WebhookAuthConfig;
    return { ...w, auth };
  });
  const signer: SignerConfig | undefined = raw.signer && {
    ...raw.signer,
    key: raw.signer.key && { ...strip(raw.signer.key), password: secret(raw.signer.key, 'password', 'signer.key', false, 'signer', 'given') },
  };
  if (opts.app === 'signer' && !signer?.key) issues.push({ path: 'signer.key', message: 'the signer needs a key (path and passwordEnv, uri, or provider)' });
  if (opts.app === 'admission' && !raw.admission) issues.push({ path: 'admission', message: 'the admission section is required (at least admission.tls)' });
  if ((opts.app === 'verifier' || opts.app === 'admission') && !raw.verifier) issues.push({ path: 'verifier', message: 'the verifier section is required (at least verifier.keys)' });
  const dash = raw.receiver.dashboard;
  const receiver: ReceiverConfig = {
    ...raw.receiver,
    dashboard: dash && { ...strip(dash), password: secret(dash, 'password', 'receiver.dashboard', dash.enabled, 'dashboard', 'chosen') },
  };
  if (issues.length) throw new ConfigError(source, issues);
  return { redis: raw.redis, registries, webhooks, receiver, signer, verifier: raw.verifier, ...(raw.admission ? { admission: raw.admission } : {}), log: raw.log, source };
}

function checkReferences(raw: RawConfig, issues: ConfigIssue[]): void {
  const registryNames = new Set<string>();
  raw.registries.forEach((r, i) => {
    if (registryNames.has(r.name)) issues.push({ path: `registries.${i}.name`, message: `duplicate registry name "${r.name}"` });
    registryNames.add(r.name);
  });
  const webhookNames = new Set<string>();
  raw.webhooks.forEach((w, i) => {
    if (webhookNames.has(w.name)) issues.push({ path: `webhooks.${i}.name`, message: `duplicate webhook name "${w.name}"` });
    webhookNames.add(w.name);
    if (!registryNames.has(w.registry)) issues.push({ path: `webhooks.${i}.registry`, message: `no registry named "${w.registry}"` });
  });
  raw.verifier?.repositoryKeys.forEach((r, i) => {
    if (r.registry !== undefined && !registryNames.has(r.registry)) issues.push({ path: `verifier.repositoryKeys.${i}.registry`, message: `no registry named "${r.registry}"` });
  });
  raw.signer?.trust.forEach((t, i) => {
    if (!registryNames.has(t.registry)) issues.push({ path: `signer.trust.${i}.registry`, message: `no registry named "${t.registry}"` });
  });
  checkUnauthenticatedSenders(raw, issues);
  const { ops, port } = raw.receiver;
  if (ops.port !== 0 && ops.port === port) {
    issues.push({ path: 'receiver.ops.port', message: `the ops listener needs a port of its own, not the webhook port ${port}` });
  }
}

/**
 * A webhook without authentication lets anyone who reaches the receiver say a push came from a trusted actor, so
 * it is refused wherever a trust rule would act on its events, unless the loudly named opt-out is set.
 */
function checkUnauthenticatedSenders(raw: RawConfig, issues: ConfigIssue[]): void {
  raw.webhooks.forEach((w, i) => {
    if (w.auth.type !== 'none' || w.auth.dangerouslyLetAnyoneNameAnyActor) return;
    const rule = raw.signer?.trust.findIndex((t) => t.registry === w.registry) ?? -1;
    if (rule < 0) return;
    issues.push({
      path: `webhooks.${i}.auth`,
      message:
        `type none lets anyone who reaches the receiver name any actor, and signer.trust.${rule} signs pushes on registry "${w.registry}" by the actors it names: ` +
        'authenticate the sender (bearer, header, basic, hmac-sha256 or path-secret), or for a lab only set dangerouslyLetAnyoneNameAnyActor: true',
    });
  });
}

/** `REDIS_URL`, `LOG_LEVEL`, the starting app's `PORT` and the receiver's `OPS_PORT` override the file. */
function applyEnvOverrides(doc: unknown, env: NodeJS.ProcessEnv, app?: AppName): unknown {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return doc;
  const out = structuredClone(doc) as Record<string, Record<string, unknown> | undefined>;
  if (env.REDIS_URL) out.redis = { ...(out.redis ?? {}), url: env.REDIS_URL };
  if (env.LOG_LEVEL) out.log = { ...(out.log ?? {}), level: env.LOG_LEVEL };
  if (env.PORT && app && app !== 'cli') {
    const port = Number(env.PORT);
    out[app] = { ...(out[app] ?? {}), port: Number.isInteger(port) ? port : env.PORT };
  }
  if (env.OPS_PORT && app === 'receiver') {
    const port = Number(env.OPS_PORT);
    const receiver = out.receiver ?? {};
    out.receiver = { ...receiver, ops: { ...((receiver.ops as object | undefined) ?? {}), port: Number.isInteger(port) ? port : env.OPS_PORT } };
  }
  return out;
}
