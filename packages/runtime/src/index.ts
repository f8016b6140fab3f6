/**
 * What every Signet service starts from: connections, metrics and one ops listener from a shared runtime whose
 * resource stack closes them in the same order after a failed start and on shutdown, and `runService` for
 * each app's `main.ts`.
 */
export {
  withServiceRuntime,
  type ServiceRuntime,
  type ServiceRuntimeOptions,
  type ServiceSection,
  type OpsOptions,
  type Closable,
} from './service-runtime';
export { runService, type StartService, type StartOptions, type ServiceApp, type Env } from './run-service';
