/**
 * Signet configuration: one YAML file (`SIGNET_CONFIG`, default `./signet.yaml`) plus environment, parsed once at
 * start by a schema. Secrets are named by environment variable (`...Env`) or file (`...File`) and resolved into
 * `Secret` values that never print.
 */
export {
  loadConfig,
  parseConfig,
  ConfigError,
  type ConfigIssue,
  type SignetConfig,
  type RegistryConfig,
  type WebhookConfig,
  type WebhookAuthConfig,
  type SignerConfig,
  type VerifierConfig,
  type AdmissionConfig,
  type ReceiverConfig,
  type AppName,
  type LoadOptions,
} from './load';
export { Secret } from './secret';
export { parseDuration } from './duration';
export { sourceTypes } from './schema';
export { globToRegExp } from './glob';
