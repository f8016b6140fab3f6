import { SignetError } from '@signet/errors';

/** Exit codes shared by every command: 0 ok, 1 failure, 2 usage. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** An error whose message is already fit for the user; main prints it as `Error: <message>`. */
export class CliError extends SignetError<'USAGE' | 'COMMAND_FAILED'> {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILURE,
    options?: { cause?: unknown },
  ) {
    super(exitCode === EXIT_USAGE ? 'USAGE' : 'COMMAND_FAILED', message, options);
  }
}
