import { inspect } from 'node:util';

/** A resolved secret. It prints, logs and serialises as `[redacted]`; call `reveal()` where the value is used. */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
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

/**
 * Webhook and dashboard secrets are Signet's to choose, so they must be unguessable: at least this many bytes.
 * Registry and key passwords are chosen elsewhere; only placeholders are refused there.
 */
export const MIN_CHOSEN_SECRET_BYTES = 16;

// Values that stand in for a secret in examples, templates and quickstarts: whoever reads them knows them.
const PLACEHOLDER_WORDS = new Set([
  'changeme', 'change', 'secret', 'password', 'passwd', 'example', 'test', 'testing', 'placeholder', 'replaceme',
  'todo', 'fixme', 'tbd', 'default', 'admin', 'root', 'token', 'none', 'null', 'nil', 'undefined', 'empty', 'redacted',
  'demo', 'dummy', 'sample', 'fake', 'foo', 'bar', 'foobar', 'letmein', 'qwerty', '123456', '1234567890',
  'mysecret', 'mypassword', 'mytoken', 'supersecret', 'topsecret', 'hunter2',
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
export function secretProblem(value: string, kind: 'chosen' | 'given'): string | undefined {
  if (kind === 'chosen' && value === '') return 'is empty: an empty secret matches no sender or anyone; set a random value (openssl rand -hex 32)';
  if (isPlaceholderSecret(value)) return 'holds a well-known placeholder value (from an example or template): set the real secret';
  const bytes = Buffer.byteLength(value, 'utf8');
  if (kind === 'chosen' && bytes < MIN_CHOSEN_SECRET_BYTES) {
    return `holds ${bytes} bytes: webhook and dashboard secrets need at least ${MIN_CHOSEN_SECRET_BYTES} (openssl rand -hex 32)`;
  }
  return undefined;
}
