import { readFile } from 'node:fs/promises';
import {
  isEncryptedKeyPem,
  loadPrivateKeyPem,
  MalformedKeyFileError,
  signingKeyFromPrivateKey,
  type KeyPassword,
  type SigningKey,
} from '@signet/crypto';

/** Where a signing key comes from. New sources (KMS, HSM) implement this without touching callers. */
export interface KeyProvider {
  /** Safe to log: a path, `env://NAME` or a URI without its PIN, never key material or secrets. */
  readonly description: string;
  load(): Promise<SigningKey>;
  /**
   * Whether the loaded key can sign now. A key held elsewhere (a token, a KMS) checks its connection and tries
   * to reconnect, so a readiness probe follows it; without this method a loaded key is always ready.
   */
  ready?(): Promise<boolean>;
  /** Releases sessions and handles; the key no longer signs afterwards. */
  close?(): Promise<void>;
}

/** Supplies the password lazily so it is read only when a key actually needs decrypting. */
export type PasswordSource = KeyPassword | (() => KeyPassword | Promise<KeyPassword>);

/** Asks for the password only when the PEM is encrypted, so plain keys never trigger a prompt. */
async function signingKeyFromPem(pem: string, source: PasswordSource | undefined): Promise<SigningKey> {
  const password = isEncryptedKeyPem(pem) ? await (typeof source === 'function' ? source() : source) : undefined;
  return signingKeyFromPrivateKey(await loadPrivateKeyPem(pem, password));
}

/**
 * Loads at most once per provider: the scrypt work (~0.2-0.5 s) happens on first use and every later
 * `load()` shares the same promise. A failed load is forgotten so a corrected password can be retried.
 */
abstract class CachingKeyProvider implements KeyProvider {
  abstract readonly description: string;
  private cached: Promise<SigningKey> | undefined;

  load(): Promise<SigningKey> {
    if (!this.cached) {
      this.cached = this.readKey().catch((err: unknown) => {
        this.cached = undefined;
        throw err;
      });
    }
    return this.cached;
  }

  protected abstract readKey(): Promise<SigningKey>;
}

export class FileKeyProvider extends CachingKeyProvider {
  readonly description: string;

  constructor(
    private readonly path: string,
    private readonly password?: PasswordSource,
  ) {
    super();
    this.description = path;
  }

  protected async readKey(): Promise<SigningKey> {
    const pem = await readFile(this.path, 'utf8');
    return signingKeyFromPem(pem, this.password);
  }
}

/** `env://NAME`: the variable holds the PEM (encrypted cosign key with a password, or a plain key). */
export class EnvKeyProvider extends CachingKeyProvider {
  readonly description: string;

  constructor(
    private readonly variable: string,
    private readonly env: Readonly<Record<string, string | undefined>>,
    private readonly password?: PasswordSource,
  ) {
    super();
    this.description = `env://${variable}`;
  }

  protected async readKey(): Promise<SigningKey> {
    const pem = this.env[this.variable];
    if (!pem) throw new MalformedKeyFileError(`environment variable ${this.variable} is empty or unset`);
    return signingKeyFromPem(pem, this.password);
  }
}
