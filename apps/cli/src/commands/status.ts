import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { AckRecords, acknowledgeTag, parseTagRef, TagStore, type AckRecord, type TagRef, type TagState } from '@signet/verification';
import { CliError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './cli-error';
import { addOutputOption, outputFormat, printJson, type OutputFormat } from './output';
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

/**
 * One line of `signet status`: a violation standing now, the trace of one that stood earlier (a flash overwrite,
 * still alerting until acknowledged), or an acknowledgement still in force (the tag has not moved since).
 */
interface StatusRow extends TagRef {
  status: 'violation' | 'trace' | 'acknowledged';
  digest: string;
  reason?: string;
  verdict?: string;
  firstSeen?: string;
  previous?: string[];
  acknowledgement?: AckRecord;
}

const refText = (r: TagRef) => `${r.registry}/${r.repository}:${r.tag}`;
const sameTag = (a: TagRef, b: TagRef) => a.registry === b.registry && a.repository === b.repository && a.tag === b.tag;

function describeState(state: TagState | undefined): Pick<StatusRow, 'verdict' | 'firstSeen' | 'previous'> {
  return {
    verdict: state?.verdict,
    firstSeen: state && new Date(state.firstSeen).toISOString(),
    previous: state?.history.map((h) => h.digest) ?? [],
  };
}

async function statusRows(store: TagStore): Promise<StatusRow[]> {
  const [violations, traces, acks] = await Promise.all([
    store.violations(),
    store.traces(),
    new AckRecords(store.redis, store.prefix).latest(),
  ]);
  const rows: StatusRow[] = [];
  for (const v of violations) rows.push({ ...v, status: 'violation', ...describeState((await store.read(v)).state) });
  // As the SignetTransientTagViolation rule: a trace alerts unless the same digest stands as a violation.
  for (const t of traces) if (!violations.some((v) => sameTag(v, t) && v.digest === t.digest)) rows.push({ ...t, status: 'trace' });
  for (const { record, ...ref } of acks) {
    const state = (await store.read(ref)).state;
    if (state && state.digest === record.digest && !violations.some((v) => sameTag(v, ref))) {
      rows.push({ ...ref, status: 'acknowledged', digest: state.digest, verdict: state.verdict, acknowledgement: record });
    }
  }
  const order = { violation: 0, trace: 1, acknowledged: 2 };
  return rows.sort((a, b) => order[a.status] - order[b.status] || refText(a).localeCompare(refText(b)) || a.digest.localeCompare(b.digest));
}

function printText(rows: StatusRow[]): void {
  if (!rows.some((r) => r.status !== 'acknowledged')) process.stdout.write('no violations\n');
  for (const r of rows) {
    const head = `${refText(r)}  ${r.digest}`;
    if (r.status === 'violation')
      process.stdout.write(
        `${head}  ${r.verdict}${r.reason === 'revoked' ? ' (signed only by a revoked key)' : ''}  since ${r.firstSeen}${r.previous?.[0] ? `  (was ${r.previous[0]})` : ''}\n`,
      );
    else if (r.status === 'trace')
      process.stdout.write(`${head}  was on the tag without a valid signature (${r.reason}); alerting until acknowledged\n`);
    else {
      const a = r.acknowledgement as AckRecord;
      process.stdout.write(`${head}  acknowledged by ${a.by} at ${a.at}${a.reason ? `: ${a.reason}` : ''}\n`);
    }
  }
}

async function runStatus(flags: { config?: string; output?: OutputFormat; json?: boolean }): Promise<number> {
  const rows = await withStore(flags.config, statusRows);
  if (outputFormat(flags) === 'json') printJson(rows);
  else printText(rows);
  return rows.some((r) => r.status !== 'acknowledged') ? EXIT_FAILURE : EXIT_OK;
}

/** The OS user running the command; a container without a passwd entry for its uid has none to give. */
function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return `uid ${process.getuid?.() ?? 'unknown'}`;
  }
}

async function runAck(target: string, flags: { config?: string; reason?: string; by?: string }): Promise<void> {
  const ref = parseTagRef(target);
  if (!ref) throw new CliError(`expected REGISTRY/REPO:TAG (a configured registry name), got "${target}"`, EXIT_USAGE);
  if (flags.by !== undefined && !flags.by.trim()) throw new CliError('--by needs a name', EXIT_USAGE);
  await withStore(flags.config, async (store) => {
    const result = await acknowledgeTag(store, ref);
    if (result.kind === 'unknown-tag') throw new CliError(`${target} is not a known tag`);
    if (result.kind === 'no-violation') throw new CliError(`no violation stands for ${target}`);
    const digest = result.kind === 'acknowledged' ? result.digest : (await store.read(ref)).state?.digest;
    const traces = result.kind === 'acknowledged' ? result.traces : result.digests;
    const record: AckRecord = {
      ...(digest ? { digest } : {}),
      traces,
      by: flags.by ?? osUser(),
      at: new Date().toISOString(),
      ...(flags.reason ? { reason: flags.reason } : {}),
    };
    await new AckRecords(store.redis, store.prefix).record(ref, record);
    if (result.kind === 'traces-cleared')
      return void process.stdout.write(`cleared the traces of ${result.digests.join(', ')} on ${target}\n`);
    process.stdout.write(`acknowledged ${target} at ${result.digest}\n`);
  });
}

export function registerStatusCommands(program: Command): void {
  addOutputOption(
    program
      .command('status')
      .description(
        'List the tags whose violation stands (overwritten by an image without a valid signature), traces of earlier ones, and acknowledgements in force',
      )
      .option('-c, --config <path>', 'config file (default: $SIGNET_CONFIG or ./signet.yaml)')
      .addHelpText('after', '\nExit codes: 0 no violation or trace stands, 1 one does (or the state cannot be read), 2 usage.'),
    'text',
    { jsonAlias: true },
  ).action(async (flags: { config?: string; output?: OutputFormat; json?: boolean }) => {
    process.exitCode = await runStatus(flags);
  });
  program
    .command('ack')
    .argument('<target>', 'REGISTRY/REPO:TAG, e.g. local/team/app:1.0.0')
    .description('Acknowledge a violation: it stops alerting until the tag points to another digest; who, when and why are recorded')
    .option('-c, --config <path>', 'config file (default: $SIGNET_CONFIG or ./signet.yaml)')
    .option('--reason <text>', 'why the violation is acknowledged (shown by signet status)')
    .option('--by <name>', 'who acknowledges it (default: the OS user running the command); recorded as given, not authenticated')
    .action(runAck);
}
