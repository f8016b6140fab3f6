import { loadConfig } from '@signet/config';
import { createLogger, onShutdown } from '@signet/observability';
import { startVerifier } from './service';

async function main(): Promise<void> {
  const config = loadConfig({ app: 'verifier' });
  const logger = createLogger({ service: 'verifier', level: config.log.level });
  const verifier = await startVerifier(config, { logger });
  onShutdown(logger, () => verifier.close());
}

main().catch((err: unknown) => {
  createLogger({ service: 'verifier' }).fatal({ err }, 'verifier failed to start');
  process.exit(1);
});
