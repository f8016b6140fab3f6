import type { Pkcs11PinRequest } from '@signet/keys';
import { CliError } from './cli-error';

export interface PasswordContext {
  env: Readonly<Record<string, string | undefined>>;
  stdin: NodeJS.ReadStream;
  stderr: NodeJS.WriteStream;
  /** Everything piped on stdin, read once per process (a command may decrypt more than one key). */
  piped?: Promise<Buffer>;
}

/** Reads stdin to its end as bytes; says on stderr what it waits for if the end is slow to come (an open pipe). */
function readAll(stream: NodeJS.ReadStream, stderr: NodeJS.WriteStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const hint = setTimeout(() => stderr.write('Reading the key password from stdin until it closes (or set COSIGN_PASSWORD)...\n'), 2000);
    hint.unref();
    stream.on('data', (c: Buffer | string) => chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c)));
    stream.once('end', () => {
      clearTimeout(hint);
      resolve(Buffer.concat(chunks));
    });
    stream.once('error', (err) => {
      clearTimeout(hint);
      reject(err);
    });
  });
}

/** Backspace removes one character, which in UTF-8 is a lead byte and its continuation bytes. */
function dropLastCharacter(bytes: number[]): number[] {
  let end = bytes.length - 1;
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return bytes.slice(0, Math.max(end, 0));
}

/** Reads bytes, not text, so whatever the terminal sends is the password as typed (as Go's term.ReadPassword). */
function promptHidden(question: string, ctx: PasswordContext): Promise<Buffer> {
  const { stdin, stderr } = ctx;
  return new Promise((resolve, reject) => {
    const wasRaw = stdin.isRaw;
    let bytes: number[] = [];
    const finish = (error?: CliError): void => {
      stdin.off('data', onData);
      stdin.setRawMode(wasRaw);
      stdin.pause();
      stderr.write('\n');
      if (error) reject(error);
      else resolve(Buffer.from(bytes));
    };
    const onData = (chunk: Buffer): void => {
      for (const byte of chunk) {
        if (byte === 0x0d || byte === 0x0a || byte === 0x04) return finish();
        if (byte === 0x03) return finish(new CliError('interrupted', 130));
        if (byte === 0x7f || byte === 0x08) bytes = dropLastCharacter(bytes);
        else bytes.push(byte);
      }
    };
    // Raw mode before the prompt appears, so nothing typed after it is ever echoed.
    stdin.setRawMode(true);
    stderr.write(question);
    stdin.resume();
    stdin.on('data', onData);
  });
}

/**
 * Node decodes the environment as UTF-8 and turns each invalid byte into U+FFFD, so `pass\xff` and `pass\xfe`
 * arrive as the same string and the original bytes cannot be had back. Such a value is refused rather than
 * used: two passwords must never open the same key. (A password holding U+FFFD itself looks the same and is
 * refused too; stdin carries any bytes.)
 */
function passwordFromEnv(value: string): Buffer {
  if (value.includes('\ufffd')) {
    throw new CliError('COSIGN_PASSWORD is not valid UTF-8, so its exact bytes cannot be read; pipe the password on stdin instead');
  }
  return Buffer.from(value, 'utf8');
}

/**
 * cosign's password rules: `COSIGN_PASSWORD` when set (an empty value is a valid empty password; UTF-8 only,
 * see passwordFromEnv), else a hidden prompt on a terminal (twice when creating a key), else the whole of
 * stdin, byte for byte as cosign reads it (`printf %s "$PW" | signet ...`; a newline sent after it is part of
 * the password). The password stays bytes all the way to scrypt.
 * Unlike cosign, an empty stdin is not taken as an empty password: it is what a closed or forgotten stdin
 * looks like, so it is refused; `COSIGN_PASSWORD=` says "empty" deliberately.
 */
export async function readPassword(ctx: PasswordContext, options: { confirm: boolean; purpose: string }): Promise<Buffer> {
  const fromEnv = ctx.env.COSIGN_PASSWORD;
  if (fromEnv !== undefined) return passwordFromEnv(fromEnv);
  if (!ctx.stdin.isTTY) {
    ctx.piped ??= readAll(ctx.stdin, ctx.stderr);
    const piped = await ctx.piped;
    if (piped.length > 0) return piped;
    throw new CliError(
      `a password is needed to ${options.purpose}: set COSIGN_PASSWORD (may be empty), pipe it on stdin, or run in a terminal`,
    );
  }
  const first = await promptHidden('Enter password for private key: ', ctx);
  if (!options.confirm) return first;
  const second = await promptHidden('Enter password for private key again: ', ctx);
  if (!first.equals(second)) throw new CliError('passwords do not match');
  return first;
}

/**
 * cosign's PIN prompt, asked only when no PIN is given and the token needs a login: once, hidden, on a
 * terminal. Without a terminal it fails at once rather than read stdin, which may carry the image or a password.
 */
export async function readPin(ctx: PasswordContext, key: Pkcs11PinRequest): Promise<string> {
  if (!ctx.stdin.isTTY) {
    throw new CliError(
      `${key.description}: the token needs a PIN and stdin is not a terminal to ask for it: give pin-value or pin-source in the pkcs11: URI, or set COSIGN_PKCS11_PIN`,
    );
  }
  const pin = await promptHidden(`Enter PIN for key '${key.object ?? ''}' in PKCS11 token '${key.token ?? ''}': `, ctx);
  return pin.toString('utf8');
}

/**
 * cosign's `pkcs11-tool list-keys-uris` prompt for a token's PIN, asked when neither --pin nor COSIGN_PKCS11_PIN
 * gives one and the token needs a login; as with readPin, only on a terminal.
 */
export async function readTokenPin(ctx: PasswordContext, token: string): Promise<string> {
  if (!ctx.stdin.isTTY) {
    throw new CliError(
      `token "${token}" shows its private keys only after a login and stdin is not a terminal to ask for its PIN: give --pin or set COSIGN_PKCS11_PIN`,
    );
  }
  const pin = await promptHidden(`Enter PIN for PKCS11 token '${token}': `, ctx);
  return pin.toString('utf8');
}

let processContext: PasswordContext | undefined;

/** The process's own context, one per process so that stdin is read at most once. */
export function processPasswordContext(): PasswordContext {
  processContext ??= { env: process.env, stdin: process.stdin, stderr: process.stderr };
  return processContext;
}
