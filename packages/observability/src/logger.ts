import pino, { type Logger, type DestinationStream } from 'pino';

export type { Logger };

/** Fields that may hold secrets anywhere in a log line; pino replaces their values. */
export const REDACT_PATHS = [
  'password',
  'token',
  'secret',
  'authorization',
  'cookie',
  'privateKey',
  '*.password',
  '*.token',
  '*.secret',
  '*.authorization',
  '*.privateKey',
  '*.*.password',
  '*.*.token',
  '*.*.secret',
  'headers.authorization',
  'headers.cookie',
  'headers["x-hub-signature-256"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'config.registries[*].password',
];

export interface LoggerOptions {
  /** Service name, logged as `service` on every line. */
  service: string;
  level?: string;
  /** Where lines go; default stdout. */
  destination?: DestinationStream;
}

/** A JSON logger, one event per line, with secret fields redacted. */
export function createLogger(opts: LoggerOptions): Logger {
  return pino(
    {
      level: opts.level ?? 'info',
      base: { service: opts.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    opts.destination,
  );
}
