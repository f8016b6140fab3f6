import type { Command } from 'commander';
import { CliError, EXIT_USAGE } from './cli-error';

/**
 * cosign's flags that scripts pass, accepted with the meaning cosign gives them so a cosign script runs
 * unchanged. Signet keeps no transparency log: it never uploads to one and never consults one.
 */
const TRUE = new Set(['1', 't', 'T', 'true', 'TRUE', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'false', 'FALSE', 'False']);

/** `-y/--yes` and `--tlog-upload` on the commands that sign; `--tlog-upload` (=true) is refused before any work. */
export function addSigningScriptFlags(cmd: Command): Command {
  return cmd
    .option(
      '-y, --yes',
      "accepted for cosign scripts: Signet asks no confirmation (cosign's prompt is about uploading to a public transparency log)",
    )
    .option('--tlog-upload', 'refused: Signet writes no transparency log')
    .option('--no-tlog-upload', 'accepted for cosign scripts (--tlog-upload=false): what Signet always does')
    .hook('preAction', (_self, action) => {
      if (action.opts().tlogUpload === true) {
        throw new CliError(
          'Signet writes no transparency log (Rekor); pass --tlog-upload=false, as cosign does for a private key, or leave the flag out',
          EXIT_USAGE,
        );
      }
    });
}

/** cosign's switches that skip transparency-log checks, on the commands that verify: Signet never makes those checks. */
export function addVerifyingScriptFlags(cmd: Command): Command {
  return cmd
    .option(
      '--insecure-ignore-tlog',
      'accepted for cosign scripts: Signet never looks signatures up in a transparency log, with or without it',
    )
    .option('--private-infrastructure', 'accepted for cosign scripts: as --insecure-ignore-tlog');
}

/**
 * Rewrites pflag's `--flag=true|false` (cosign's spelling of booleans) into commander's `--flag` / `--no-flag`
 * for the boolean options of the command being run; commander would call `--flag=false` an unknown option.
 */
export function pflagBooleans(program: Command, argv: readonly string[]): string[] {
  const [node = '', script = '', name, ...rest] = argv;
  const cmd = program.commands.find((c) => c.name() === name || c.aliases().includes(name ?? ''));
  if (!cmd || name === undefined) return [...argv];
  const out: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] as string;
    if (arg === '--') {
      out.push(...rest.slice(i));
      break;
    }
    const m = /^(--[^=]+)=(.*)$/s.exec(arg);
    const flag = m && cmd.options.find((o) => o.long === m[1] && o.isBoolean());
    if (!m || !flag) {
      out.push(arg);
      continue;
    }
    const value = m[2] as string;
    if (TRUE.has(value)) out.push(flag.long as string);
    else if (FALSE.has(value)) {
      const negated = cmd.options.find((o) => o.long === `--no-${(flag.long as string).slice(2)}`);
      if (negated) out.push(negated.long as string);
      // A plain switch left out is false already.
    } else throw new CliError(`${flag.long} takes true or false, got "${value}"`, EXIT_USAGE);
  }
  return [node, script, name, ...out];
}
