import { loadConfig } from '@signet/config';
import { createLogger, onShutdown } from '@signet/observability';
import { startSigner } from './service';

async function main(): Promise<void> {
  const config = loadConfig({ app: 'signer' });
  const logger = createLogger({ service: 'signer', level: config.log.level });
  const signer = await startSigner(config, { logger, env: process.env });
  onShutdown(logger, () => signer.close());
}

main().catch((err: unknown) => {
  createLogger({ service: 'signer' }).fatal({ err }, 'signer failed to start');
  process.exit(1);
});
