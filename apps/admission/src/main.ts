import { loadConfig } from '@signet/config';
import { createLogger, onShutdown } from '@signet/observability';
import { startAdmission } from './service';

async function main(): Promise<void> {
  const config = loadConfig({ app: 'admission' });
  const logger = createLogger({ service: 'admission', level: config.log.level });
  const admission = await startAdmission(config, { logger });
  onShutdown(logger, () => admission.close());
}

main().catch((err: unknown) => {
  createLogger({ service: 'admission' }).fatal({ err }, 'admission webhook failed to start');
  process.exit(1);
});
