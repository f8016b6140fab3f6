import type { RawConfig } from './schema';
import { Secret, secretProblem } from './secret';
import type {
  AppName,
  ConfigIssue,
  ReceiverConfig,
  RegistryConfig,
  SignerConfig,
  SignetConfig,
  WebhookAuthConfig,
  WebhookConfig,
} from './types';

type Section = 'registries' | 'webhooks' | 'signer' | 'dashboard';

/** Only the starting app's own secrets must be present and strong; the rest resolve when they can. */
function needs(app: AppName | undefined, section: Section): boolean {
  switch (app) {
    case undefined:
      return true;
    case 'receiver':
      return section === 'webhooks' || section === 'dashboard';
    case 'signer':
      return section === 'registries' || section === 'signer';
    case 'verifier':
    case 'admission':
    case 'cli':
      return section === 'registries';
  }
}

interface SecretContext {
  env: NodeJS.ProcessEnv;
  app: AppName | undefined;
  issues: ConfigIssue[];
}

/**
 * Resolves `<key>Env` or `<key>File` of `obj`; a secret the starting app needs is judged: `chosen` (webhook,
 * dashboard: Signet's operator picks it, so it must be strong) or `given` (registry, key: someone else issued it).
 */
function resolveSecret(
  ctx: SecretContext,
  obj: Record<string, unknown>,
  key: string,
  at: string,
  required: boolean,
  section: Section,
  kind: 'chosen' | 'given',
): Secret | undefined {
  const { env, issues } = ctx;
  const needed = needs(ctx.app, section);
  const envName = obj[`${key}Env`] as string | undefined;
  const file = obj[`${key}File`] as string | undefined;
  if (envName && file) issues.push({ path: `${at}.${key}Env`, message: `give ${key}Env or ${key}File, not both` });
  const judged = (value: string | Secret, path: string, what: string): Secret => {
    const secret = typeof value === 'string' ? new Secret(value) : value;
    const problem = needed ? secretProblem(secret.reveal(), kind) : undefined;
    if (problem) issues.push({ path, message: `${what} ${problem}` });
    return secret;
  };
  if (envName) {
    const v = env[envName];
    if (v !== undefined) return judged(v, `${at}.${key}Env`, `environment variable ${envName}`);
    if (needed) issues.push({ path: `${at}.${key}Env`, message: `environment variable ${envName} is not set` });
    return undefined;
  }
  if (file) {
    try {
      // Read again when the file changes (rotated registry tokens), so the services need no restart.
      return judged(Secret.fromFile(file, kind), `${at}.${key}File`, `file ${file}`);
    } catch (e) {
      if (needed) issues.push({ path: `${at}.${key}File`, message: `cannot read ${file}: ${(e as Error).message}` });
      return undefined;
    }
  }
  if (required && needed) issues.push({ path: `${at}.${key}Env`, message: `${key}Env or ${key}File is required` });
  return undefined;
}

/** The object without its `...Env` / `...File` secret references. */
const strip = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([k]) => !k.endsWith('Env') && !k.endsWith('File'))) as T;

/** Which field of each webhook auth type holds its secret. */
const WEBHOOK_SECRET_KEY: Record<WebhookAuthConfig['type'], string> = {
  none: '',
  bearer: 'token',
  header: 'value',
  basic: 'password',
  'hmac-sha256': 'secret',
  'path-secret': 'secret',
};

/** The sections that hold secrets, each secret reference replaced by its `Secret`; problems go to `ctx.issues`. */
export function resolveSecrets(raw: RawConfig, ctx: SecretContext): Pick<SignetConfig, 'registries' | 'webhooks' | 'signer' | 'receiver'> {
  const registries: RegistryConfig[] = raw.registries.map((r, i) => ({
    ...strip(r),
    host: r.host ?? new URL(r.url).host,
    password: resolveSecret(ctx, r, 'password', `registries.${i}`, false, 'registries', 'given'),
  }));
  const webhooks: WebhookConfig[] = raw.webhooks.map((w, i) => {
    const a = w.auth as Record<string, unknown> & { type: WebhookAuthConfig['type'] };
    const key = WEBHOOK_SECRET_KEY[a.type];
    const auth = (
      key
        ? { ...strip(a), [key]: resolveSecret(ctx, a, key, `webhooks.${i}.auth`, true, 'webhooks', 'chosen') ?? new Secret('') }
        : strip(a)
    ) as WebhookAuthConfig;
    return { ...w, auth };
  });
  const signer: SignerConfig | undefined = raw.signer && {
    ...raw.signer,
    key: raw.signer.key && {
      ...strip(raw.signer.key),
      password: resolveSecret(ctx, raw.signer.key, 'password', 'signer.key', false, 'signer', 'given'),
    },
  };
  const dash = raw.receiver.dashboard;
  const receiver: ReceiverConfig = {
    ...raw.receiver,
    dashboard: dash && {
      ...strip(dash),
      password: resolveSecret(ctx, dash, 'password', 'receiver.dashboard', dash.enabled, 'dashboard', 'chosen'),
    },
  };
  return { registries, webhooks, signer, receiver };
}
