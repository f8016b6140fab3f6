import { CliError } from './cli-error';

export interface PasswordContext {
  env: Readonly<Record<string, string | undefined>>;
  stdin: NodeJS.ReadStream;
  stderr: NodeJS.WriteStream;
  /** Everything piped on stdin, read once per process (a command may decrypt more than one key). */
  piped?: Promise<string>;
}

/** Reads stdin to its end; says on stderr what it waits for if the end is slow to come (an open pipe). */
function readAll(stream: NodeJS.ReadStream, stderr: NodeJS.WriteStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const hint = setTimeout(() => stderr.write('Reading the key password from stdin until it closes (or set COSIGN_PASSWORD)...\n'), 2000);
    hint.unref();
    stream.on('data', (c: Buffer | string) => chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c)));
    stream.once('end', () => {
      clearTimeout(hint);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    stream.once('error', (err) => {
      clearTimeout(hint);
      reject(err);
    });
  });
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
 * hidden prompt on a terminal (twice when creating a key), else the whole of stdin, byte for byte as cosign
 * reads it (`printf %s "$PW" | signet ...`; a newline sent after it is part of the password).
 * Unlike cosign, an empty stdin is not taken as an empty password: it is what a closed or forgotten stdin
 * looks like, so it is refused; `COSIGN_PASSWORD=` says "empty" deliberately.
 */
export async function readPassword(ctx: PasswordContext, options: { confirm: boolean; purpose: string }): Promise<string> {
  const fromEnv = ctx.env.COSIGN_PASSWORD;
  if (fromEnv !== undefined) return fromEnv;
  if (!ctx.stdin.isTTY) {
    ctx.piped ??= readAll(ctx.stdin, ctx.stderr);
    const piped = await ctx.piped;
    if (piped !== '') return piped;
    throw new CliError(`a password is needed to ${options.purpose}: set COSIGN_PASSWORD (may be empty), pipe it on stdin, or run in a terminal`);
  }
  const first = await promptHidden('Enter password for private key: ', ctx);
  if (!options.confirm) return first;
  const second = await promptHidden('Enter password for private key again: ', ctx);
  if (first !== second) throw new CliError('passwords do not match');
  return first;
}

let processContext: PasswordContext | undefined;

/** The process's own context, one per process so that stdin is read at most once. */
export function processPasswordContext(): PasswordContext {
  processContext ??= { env: process.env, stdin: process.stdin, stderr: process.stderr };
  return processContext;
}
