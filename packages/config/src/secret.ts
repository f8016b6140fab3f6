import { readFileSync, statSync } from 'node:fs';
import { inspect } from 'node:util';

/** A `...File` secret: its path, how a new value is judged, and the file's identity when it was last read. */
interface FileSource {
  path: string;
  kind: SecretKind;
  seen: string;
}

/**
 * A resolved secret. It prints, logs and serialises as `[redacted]`; call `reveal()` where the value is used.
 * One read from a file (`Secret.fromFile`) follows the file: credentials that rotate (an ECR token refreshed
 * every few hours, a Kubernetes Secret volume updated in place) are seen on the next use without a restart.
 */
export class Secret {
  #value: string;
  #file: FileSource | undefined;

  constructor(value: string) {
    this.#value = value;
  }

  /**
   * Reads `path` now (throws when it cannot be read), trailing newline dropped. Each later `reveal()` costs one
   * `stat` of the path, following symbolic links, and reads the file again when its device, inode, size, mtime or
   * ctime differ: an in-place rewrite changes mtime and ctime, and a Kubernetes Secret volume's update (a new
   * `..data` directory swapped in by renaming a symlink) gives the path a new inode even though the link itself,
   * the file a watch would follow, never changes.
   */
  static fromFile(path: string, kind: SecretKind): Secret {
    const seen = fileIdentity(path);
    const secret = new Secret(readSecretFile(path));
    secret.#file = { path, kind, seen };
    return secret;
  }

  reveal(): string {
    if (this.#file) this.#follow(this.#file, false);
    return this.#value;
  }

  /**
   * Reads a file-backed secret again whatever `stat` says (a rewrite within one timestamp tick with the same
   * size looks unchanged), e.g. after the value was refused. True when the value changed; always false for a
   * secret not read from a file.
   */
  reload(): boolean {
    return this.#file ? this.#follow(this.#file, true) : false;
  }

  #follow(file: FileSource, force: boolean): boolean {
    let seen: string;
    let next: string;
    try {
      seen = fileIdentity(file.path);
      if (!force && seen === file.seen) return false;
      next = readSecretFile(file.path);
    } catch {
      // Gone or unreadable for a moment (a link being swapped, a writer replacing the file): keep the last value.
      return false;
    }
    file.seen = seen;
    // Empty is what a writer that truncates before it writes leaves for a moment; a placeholder is never right.
    // Either way the last good value stays until the file changes again.
    if (next === this.#value || next === '' || secretProblem(next, file.kind) !== undefined) return false;
    this.#value = next;
    return true;
  }

  toString(): string {
    return '[redacted]';
  }
  toJSON(): string {
    return '[redacted]';
  }
  [inspect.custom](): string {
    return 'Secret([redacted])';
  }
}

/** `chosen`: a webhook or dashboard secret Signet's operator makes up; `given`: a password issued elsewhere. */
export type SecretKind = 'chosen' | 'given';

/** A secret file's content: one trailing newline (what `echo` and editors add) is not part of the value. */
export function readSecretFile(path: string): string {
  return readFileSync(path, 'utf8').replace(/\r?\n$/, '');
}

function fileIdentity(path: string): string {
  const s = statSync(path, { bigint: true });
  return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
}

/**
 * Webhook and dashboard secrets are Signet's to choose, so they must be unguessable: at least this many bytes.
 * Registry and key passwords are chosen elsewhere; only placeholders are refused there.
 */
export const MIN_CHOSEN_SECRET_BYTES = 16;

// Values that stand in for a secret in examples, templates and quickstarts: whoever reads them knows them.
const PLACEHOLDER_WORDS = new Set([
  'changeme',
  'change',
  'secret',
  'password',
  'passwd',
  'example',
  'test',
  'testing',
  'placeholder',
  'replaceme',
  'todo',
  'fixme',
  'tbd',
  'default',
  'admin',
  'root',
  'token',
  'none',
  'null',
  'nil',
  'undefined',
  'empty',
  'redacted',
  'demo',
  'dummy',
  'sample',
  'fake',
  'foo',
  'bar',
  'foobar',
  'letmein',
  'qwerty',
  '123456',
  '1234567890',
  'mysecret',
  'mypassword',
  'mytoken',
  'supersecret',
  'topsecret',
  'hunter2',
]);
// Phrases of instructions left in place ("please-change-me", "your-webhook-token-here"), as whole words, so a
// password such as "exchangemeeting" is not taken for one.
const PLACEHOLDER_PHRASE =
  /(^|[^a-z])(change[\W_]*me|replace[\W_]*(me|with)|placeholder|(your|my)[\W_]+([a-z]+[\W_]+)?(secret|token|password|key)|(insert|put)[\W_]*your)([^a-z]|$)/;

/** True for a well-known stand-in value (case, punctuation and a trailing number aside) or an unfilled template. */
export function isPlaceholderSecret(value: string): boolean {
  const v = value.trim();
  if (v === '') return false;
  if (/^(<.*>|\$\{.*\}|\{\{.*\}\})$/s.test(v)) return true;
  const letters = v.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (letters === '' || /^(.)\1*$/.test(letters)) return true;
  if (PLACEHOLDER_WORDS.has(letters) || PLACEHOLDER_WORDS.has(letters.replace(/\d+$/, ''))) return true;
  return PLACEHOLDER_PHRASE.test(v.toLowerCase());
}

/**
 * Why a resolved secret must not be used, or undefined. `chosen` secrets (webhook, dashboard) must be non-empty,
 * at least MIN_CHOSEN_SECRET_BYTES long and no placeholder; `given` ones (registry, key passwords) no placeholder.
 */
export function secretProblem(value: string, kind: SecretKind): string | undefined {
  if (kind === 'chosen' && value === '')
    return 'is empty: an empty secret matches no sender or anyone; set a random value (openssl rand -hex 32)';
  if (isPlaceholderSecret(value)) return 'holds a well-known placeholder value (from an example or template): set the real secret';
  const bytes = Buffer.byteLength(value, 'utf8');
  if (kind === 'chosen' && bytes < MIN_CHOSEN_SECRET_BYTES) {
    return `holds ${bytes} bytes: webhook and dashboard secrets need at least ${MIN_CHOSEN_SECRET_BYTES} (openssl rand -hex 32)`;
  }
  return undefined;
}
