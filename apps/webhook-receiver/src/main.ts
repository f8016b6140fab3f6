import { ConfigError, loadConfig } from '@signet/config';
import { createLogger, onShutdown } from '@signet/observability';
import { startReceiver } from './server';

async function main(): Promise<void> {
  const config = loadConfig({ app: 'receiver' });
  const logger = createLogger({ service: 'webhook-receiver', level: config.log.level });
  const receiver = await startReceiver(config, logger);
  onShutdown(logger, () => receiver.close());
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) console.error(err.message);
  else console.error(err);
  process.exit(1);
});
