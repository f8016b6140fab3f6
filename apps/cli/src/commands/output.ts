import { Option, type Command } from 'commander';

export type OutputFormat = 'json' | 'text';

/**
 * `-o, --output json|text`, as cosign's verify names it. `--json` stays as the older spelling of `--output json`
 * where a command had it.
 */
export function addOutputOption(cmd: Command, defaultFormat: OutputFormat, opts: { jsonAlias?: boolean } = {}): Command {
  cmd.addOption(new Option('-o, --output <format>', 'output format').choices(['json', 'text']).default(defaultFormat));
  if (opts.jsonAlias) cmd.option('--json', 'same as --output json');
  return cmd;
}

/** The format a command's flags ask for. */
export function outputFormat(flags: { output?: OutputFormat; json?: boolean }): OutputFormat {
  return flags.json ? 'json' : (flags.output ?? 'text');
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}
