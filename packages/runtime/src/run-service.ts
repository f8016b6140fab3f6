import { ConfigError, loadConfig, type AppName, type SignetConfig } from '@signet/config';
import { createLogger, onShutdown, type Logger } from '@signet/observability';

export type Env = Readonly<Record<string, string | undefined>>;

/** What every service's `start<App>` takes besides its configuration. */
export interface StartOptions {
  logger: Logger;
  /** Overrides the configured port of the service's main listener (0 = any free port). */
  port?: number;
  /** Environment for `env://` references; the configuration is the only other input. */
  env?: Env;
}

export type StartService = (config: SignetConfig, opts: StartOptions) => Promise<{ close(): Promise<void> }>;

export type ServiceApp = Exclude<AppName, 'cli'>;

/** The name each app logs and reports under. */
export const SERVICE_NAMES: Record<ServiceApp, string> = {
  receiver: 'webhook-receiver',
  signer: 'signer',
  verifier: 'verifier',
  admission: 'admission',
};

/**
 * One line naming what failed and why, down the `cause` chain ("cannot read key.pem: ENOENT ..."), without
 * repeating a cause the message already quotes.
 */
export function describeFailure(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e !== undefined && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const message = e instanceof Error ? e.message : String(e);
    if (message && !parts.some((p) => p.includes(message))) parts.push(message);
    if (!(e instanceof Error)) break;
  }
  return parts.join(': ').replace(/\s*\n\s*/g, ' ');
}

/** What a failed start prints on stderr: a configuration error's field list, or one line with the cause. */
export function startFailureText(service: string, err: unknown): string {
  if (err instanceof ConfigError) return `${service}: ${err.message}\n`;
  return `${service} failed to start: ${describeFailure(err)}\n`;
}

/**
 * A service's `main.ts`: loads the configuration, starts, closes on SIGTERM or SIGINT. A start that fails
 * prints the same shape from every service (see startFailureText) and exits 1.
 */
export async function runService(app: ServiceApp, start: StartService): Promise<void> {
  const service = SERVICE_NAMES[app];
  try {
    const config = loadConfig({ app });
    const logger = createLogger({ service, level: config.log.level });
    const running = await start(config, { logger, env: process.env });
    onShutdown(logger, () => running.close());
  } catch (err) {
    process.stderr.write(startFailureText(service, err));
    process.exit(1);
  }
}
