import { CliError } from './cli-error';

export interface PasswordContext {
  env: Readonly<Record<string, string | undefined>>;
  stdin: NodeJS.ReadStream;
  stderr: NodeJS.WriteStream;
}

function promptHidden(question: string, ctx: PasswordContext): Promise<string> {
  const { stdin, stderr } = ctx;
  return new Promise((resolve, reject) => {
    const wasRaw = stdin.isRaw;
    let chars: string[] = [];
    const finish = (error?: CliError): void => {
      stdin.off('data', onData);
      stdin.setRawMode(wasRaw);
      stdin.pause();
      stderr.write('\n');
      if (error) reject(error);
      else resolve(chars.join(''));
    };
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return finish();
        if (ch === '\u0003') return finish(new CliError('interrupted', 130));
        if (ch === '\u007f' || ch === '\b') chars = chars.slice(0, -1);
        else chars.push(ch);
      }
    };
    stdin.setEncoding('utf8');
    // Raw mode before the prompt appears, so nothing typed after it is ever echoed.
    stdin.setRawMode(true);
    stderr.write(question);
    stdin.resume();
    stdin.on('data', onData);
  });
}

/**
 * cosign's password rules: `COSIGN_PASSWORD` when set (an empty value is a valid empty password), else a
 * hidden prompt on a terminal (twice when creating a key). Without either there is no safe source.
 */
export async function readPassword(ctx: PasswordContext, options: { confirm: boolean; purpose: string }): Promise<string> {
  const fromEnv = ctx.env.COSIGN_PASSWORD;
  if (fromEnv !== undefined) return fromEnv;
  if (!ctx.stdin.isTTY) {
    throw new CliError(`a password is needed to ${options.purpose}: set COSIGN_PASSWORD (may be empty) or run in a terminal`);
  }
  const first = await promptHidden('Enter password for private key: ', ctx);
  if (!options.confirm) return first;
  const second = await promptHidden('Enter password for private key again: ', ctx);
  if (first !== second) throw new CliError('passwords do not match');
  return first;
}

export function processPasswordContext(): PasswordContext {
  return { env: process.env, stdin: process.stdin, stderr: process.stderr };
}
