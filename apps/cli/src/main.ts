import { Command, CommanderError } from 'commander';
import { CliError, EXIT_FAILURE, EXIT_USAGE } from './commands/cli-error';
import { pflagBooleans } from './commands/cosign-flags';
import { registerKeyCommands } from './commands/keys';
import { registerPkcs11Commands } from './commands/pkcs11';
import { registerSignCommands } from './commands/sign';
import { registerScanCommands } from './commands/scan';
import { registerAdmissionReviewCommand } from './commands/admission-review';
import { registerResignCommand } from './commands/resign';

export function buildProgram(): Command {
  const program = new Command('signet')
    .description('Signet: sign and verify container images with cosign-compatible keys')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, 'Error: ')) });
  // Each command group registers itself; add one line per module.
  registerKeyCommands(program);
  registerPkcs11Commands(program);
  registerSignCommands(program);
  registerScanCommands(program);
  registerAdmissionReviewCommand(program);
  registerResignCommand(program);
  return program;
}

/** Maps every failure to one `Error: ...` line and an exit code; stacks are never shown to users. */
function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : EXIT_USAGE; // commander printed it already
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`Error: ${message}\n`);
  return err instanceof CliError ? err.exitCode : EXIT_FAILURE;
}

const program = buildProgram();
Promise.resolve()
  .then(() => program.parseAsync(pflagBooleans(program, process.argv)))
  .catch((err: unknown) => {
    process.exitCode = exitCodeFor(err);
  });
