/**
 * Signet configuration: one YAML file (`SIGNET_CONFIG`, default `./signet.yaml`) plus environment, parsed once at
 * start by a schema. Secrets are named by environment variable (`...Env`) or file (`...File`) and resolved into
 * `Secret` values that never print.
 */
export { loadConfig, parseConfig } from './load';
export {
  ConfigError,
  type ConfigIssue,
  type LoadOptions,
  type AppName,
  type SignetConfig,
  type RegistryConfig,
  type WebhookConfig,
  type AdmissionConfig,
  type SignerConfig,
} from './types';
export { Secret } from './secret';
export { globToRegExp } from './glob';
