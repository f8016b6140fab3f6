import type { Command } from 'commander';
import { acknowledgeTag, parseTagRef, TagStore } from '@signet/verification';
import { CliError, EXIT_FAILURE, EXIT_USAGE } from './cli-error';
import { cliRedis, loadCliConfig } from './scan';

async function withStore<T>(configPath: string | undefined, fn: (store: TagStore) => Promise<T>): Promise<T> {
  const config = loadCliConfig(configPath);
  const redis = cliRedis(config);
  try {
    return await fn(new TagStore(redis, config.redis.prefix));
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`cannot read the tag state from Redis: ${(err as Error).message}`, EXIT_FAILURE, { cause: err });
  } finally {
    redis.disconnect();
  }
}

async function runStatus(flags: { config?: string; json?: boolean }): Promise<void> {
  await withStore(flags.config, async (store) => {
    const violations = await store.violations();
    const rows = await Promise.all(
      violations.map(async (v) => {
        const state = (await store.read(v)).state;
        return { ...v, verdict: state?.verdict, firstSeen: state && new Date(state.firstSeen).toISOString(), previous: state?.history.map((h) => h.digest) ?? [] };
      }),
    );
    rows.sort((a, b) => `${a.registry}/${a.repository}:${a.tag}`.localeCompare(`${b.registry}/${b.repository}:${b.tag}`));
    if (flags.json) {
      process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      return;
    }
    if (rows.length === 0) {
      process.stdout.write('no violations\n');
      return;
    }
    for (const r of rows) {
      process.stdout.write(`${r.registry}/${r.repository}:${r.tag}  ${r.digest}  ${r.verdict}  since ${r.firstSeen}${r.previous[0] ? `  (was ${r.previous[0]})` : ''}\n`);
    }
  });
}

async function runAck(target: string, flags: { config?: string }): Promise<void> {
  const ref = parseTagRef(target);
  if (!ref) throw new CliError(`expected REGISTRY/REPO:TAG (a configured registry name), got "${target}"`, EXIT_USAGE);
  await withStore(flags.config, async (store) => {
    const result = await acknowledgeTag(store, ref);
    if (result.kind === 'unknown-tag') throw new CliError(`${target} is not a known tag`);
    if (result.kind === 'no-violation') throw new CliError(`no violation stands for ${target}`);
    if (result.kind === 'traces-cleared') return void process.stdout.write(`cleared the traces of ${result.digests.join(', ')} on ${target}\n`);
    process.stdout.write(`acknowledged ${target} at ${result.digest}\n`);
  });
}

export function registerStatusCommands(program: Command): void {
  program
    .command('status')
    .description('List the tags whose violation stands (overwritten by an image without a valid signature)')
    .option('-c, --config <path>', 'config file (default: $SIGNET_CONFIG or ./signet.yaml)')
    .option('--json', 'print as JSON, with each tag\'s previous digests')
    .action(runStatus);
  program
    .command('ack')
    .argument('<target>', 'REGISTRY/REPO:TAG, e.g. local/team/app:1.0.0')
    .description('Acknowledge a violation: it stops alerting until the tag points to another digest')
    .option('-c, --config <path>', 'config file (default: $SIGNET_CONFIG or ./signet.yaml)')
    .action(runAck);
}
