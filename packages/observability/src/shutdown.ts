import type { Logger } from 'pino';

/**
 * Runs `close` once on SIGTERM or SIGINT, then exits. A second signal, or `close` taking longer than
 * `timeoutMs`, exits at once.
 */
export function onShutdown(logger: Logger, close: () => Promise<void>, timeoutMs = 30_000): void {
  let closing = false;
  const handler = (signal: string) => {
    if (closing) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    closing = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown timed out');
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    close().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'error while shutting down');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => handler('SIGTERM'));
  process.on('SIGINT', () => handler('SIGINT'));
}
