import { SignetError } from '@signet/errors';
import type { RawConfig } from './schema';
import type { Secret } from './secret';

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
    super(
      'INVALID_CONFIG',
      `invalid configuration in ${source}:\n` + issues.map((i) => `  - ${i.path || '(root)'}: ${i.message}`).join('\n'),
      options,
    );
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
export type SignerConfig = Omit<NonNullable<Raw['signer']>, 'key'> & {
  key?: { path?: string; provider?: string; uri?: string; password?: Secret };
};
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
