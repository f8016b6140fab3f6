import type { Command } from 'commander';
import { ConfigError, loadConfig, type SignetConfig } from '@signet/config';
import { MetricsRegistry } from '@signet/observability';
import { connectionFactory } from '@signet/queue';
import type { Cluster, Redis } from 'ioredis';
// The scan runs the verifier's own checks; they live in the verifier app until a second app needs them.
import {
  closeContext,
  createVerifierContext,
  createVerifierMetrics,
  listRepositories,
  MemoryTagStore,
  scanRepository,
  type TagResult,
  type VerifierContext,
} from '@signet/verification';
import { CliError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './cli-error';
import { addOutputOption, outputFormat, printJson, type OutputFormat } from './output';
import { registerStatusCommands } from './status';

interface ScanFlags {
  config?: string;
  registry?: string[];
  repository?: string[];
  output?: OutputFormat;
  json?: boolean;
  state: boolean;
}

/** One row of the result table / JSON output. */
export interface ScanRow {
  registry: string;
  repository: string;
  tag: string;
  digest?: string;
  verdict: string;
  violation: boolean;
  acknowledged: boolean;
  error?: string;
}

/** Reads the config file for a command that needs the verifier section; config problems are usage errors. */
export function loadCliConfig(path: string | undefined): SignetConfig {
  try {
    return loadConfig({ ...(path ? { path } : {}), app: 'cli' });
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message, EXIT_USAGE, { cause: err });
    throw err;
  }
}

/** The configured Redis (URL or Cluster seeds), failing fast instead of retrying forever (a CLI must not hang). */
export function cliRedis(config: SignetConfig): Redis | Cluster {
  const redis = connectionFactory(config.redis)('oneshot');
  // The failed command carries the error; the CLI reports it once.
  redis.on('error', () => undefined);
  return redis;
}

function rowOf(registry: string, repository: string, r: TagResult): ScanRow | undefined {
  if (r.kind === 'checked' || r.kind === 'unchanged') {
    return {
      registry,
      repository,
      tag: r.tag,
      digest: r.state.digest,
      verdict: r.state.verdict,
      violation: r.state.flag === 'violation',
      acknowledged: r.state.flag === 'acknowledged',
    };
  }
  if (r.kind === 'error')
    return { registry, repository, tag: r.tag, verdict: 'error', violation: false, acknowledged: false, error: r.message };
  return undefined;
}

/** Progress on stderr: a bar on a terminal, otherwise a line every few seconds (logs stay readable). */
function progressReporter(): { grow(n: number): void; tick(): void; stop(): void } {
  let total = 0;
  let done = 0;
  if (process.stderr.isTTY) {
    // cli-progress ships no types; this is the part used.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { SingleBar, Presets } = require('cli-progress') as {
      SingleBar: new (
        opts: object,
        preset: object,
      ) => { start(t: number, v: number): void; setTotal(t: number): void; increment(): void; stop(): void };
      Presets: { shades_classic: object };
    };
    const bar = new SingleBar(
      { format: 'scanning [{bar}] {value}/{total} tags', stream: process.stderr, clearOnComplete: true },
      Presets.shades_classic,
    );
    bar.start(0, 0);
    return { grow: (n) => bar.setTotal((total += n)), tick: () => bar.increment(), stop: () => bar.stop() };
  }
  const timer = setInterval(() => process.stderr.write(`scanned ${done}/${total} tags\n`), 2000);
  return {
    grow: (n) => (total += n),
    tick: () => done++,
    stop: () => {
      clearInterval(timer);
      process.stderr.write(`scanned ${done}/${total} tags\n`);
    },
  };
}

function printTable(rows: ScanRow[]): void {
  const header = ['REPOSITORY', 'TAG', 'DIGEST', 'VERDICT', 'VIOLATION'];
  const cells = rows.map((r) => [
    `${r.registry}/${r.repository}`,
    r.tag,
    r.digest ? r.digest.slice(0, 19) : '-',
    r.verdict,
    r.violation ? 'YES' : r.acknowledged ? 'acknowledged' : '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  for (const line of [header, ...cells])
    process.stdout.write(
      line
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd() + '\n',
    );
}

async function runScan(flags: ScanFlags): Promise<number> {
  const config = loadCliConfig(flags.config);
  if (!config.verifier) throw new CliError(`${config.source}: the verifier section (verifier.keys) is required to scan`, EXIT_USAGE);
  for (const name of flags.registry ?? []) {
    if (!config.registries.some((r) => r.name === name)) throw new CliError(`no registry named "${name}" in ${config.source}`, EXIT_USAGE);
  }
  const redis = flags.state ? cliRedis(config) : undefined;
  let ctx: VerifierContext | undefined;
  const progress = progressReporter();
  try {
    ctx = await createVerifierContext({
      config,
      redis: redis ?? { store: new MemoryTagStore() },
      metrics: createVerifierMetrics(new MetricsRegistry()),
      ...(flags.registry ? { registries: flags.registry } : {}),
    });
    const targets = flags.repository?.length
      ? [...ctx.registries.keys()].flatMap((registry) => (flags.repository ?? []).map((repository) => ({ registry, repository })))
      : await listRepositories(ctx);
    const rows: ScanRow[] = [];
    for (const { registry, repository } of targets) {
      const scan = await scanRepository(ctx, registry, repository, { onListed: (n) => progress.grow(n), onTag: () => progress.tick() });
      for (const r of scan.tags) {
        const row = rowOf(registry, repository, r);
        if (row) rows.push(row);
      }
    }
    progress.stop();
    if (outputFormat(flags) === 'json') printJson(rows);
    else printTable(rows);
    const violations = rows.filter((r) => r.violation).length;
    const errors = rows.filter((r) => r.verdict === 'error').length;
    process.stderr.write(`${rows.length} tags, ${violations} violation(s), ${errors} error(s)\n`);
    return violations > 0 || errors > 0 ? EXIT_FAILURE : EXIT_OK;
  } catch (err) {
    progress.stop();
    throw err;
  } finally {
    if (ctx) await closeContext(ctx);
    redis?.disconnect();
  }
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `signet scan`, `signet status` and `signet ack`. */
export function registerScanCommands(program: Command): void {
  addOutputOption(
    program
      .command('scan')
      .description('Scan the configured registries once: every tag, its digest and signature verdict')
      .option('-c, --config <path>', 'config file (default: $SIGNET_CONFIG or ./signet.yaml)')
      .option('--registry <name>', 'only this configured registry (repeatable)', collect)
      .option('--repository <repo>', 'only this repository (repeatable)', collect)
      .option('--no-state', 'do not read or update the shared tag state in Redis (no overwrite detection)')
      .addHelpText('after', '\nExit codes: 0 no violation, 1 violations or lookup errors found, 2 usage.'),
    'text',
    { jsonAlias: true },
  ).action(async (flags: ScanFlags) => {
    process.exitCode = await runScan(flags);
  });
  registerStatusCommands(program);
}
