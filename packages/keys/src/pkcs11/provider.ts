import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type * as Pkcs11js from 'pkcs11js';
import { fingerprintOf, publicKeyToPem, spkiDer, type SigningKey } from '@signet/crypto';
import { isKeyError, KeyError, KeyUnavailableError } from '../errors';
import type { KeyProvider, PasswordSource } from '../providers';
import { ecdsaRawToDer } from './ecdsa';
import { ckrName, Pkcs11Library } from './library';
import { findKeyPair, findSlot, login, loginRequired } from './token';
import { formatPkcs11Uri, parsePkcs11Uri, type Pkcs11Uri } from './uri';

export const PKCS11_SCHEME = 'pkcs11:';

type Handle = Pkcs11js.Handle;

export interface Pkcs11ProviderOptions {
  /** `COSIGN_PKCS11_MODULE_PATH` and `COSIGN_PKCS11_PIN` are read here, as cosign reads them. */
  env?: Readonly<Record<string, string | undefined>>;
  /** The PIN where neither the URI nor `COSIGN_PKCS11_PIN` gives one; asked only if the token needs a login. */
  pin?: PasswordSource;
  /**
   * Asks a person for the PIN (a terminal prompt) when nothing above gives one and the token needs a login; told
   * which key, as cosign's prompt names it. Its errors reach the caller of `load()` unchanged: a refused or
   * interrupted prompt is the caller's to report, not a token failure.
   */
  pinPrompt?: Pkcs11PinPrompt;
  /** Sessions that sign in parallel, each one digest at a time (a session runs one operation at once). */
  sessions?: number;
}

/** The key a PIN is asked for: labels as the URI gives them (either may be absent), and the URI without its PIN. */
export interface Pkcs11PinRequest {
  token?: string;
  slotId?: number;
  object?: string;
  description: string;
}

export type Pkcs11PinPrompt = (request: Pkcs11PinRequest) => Promise<string>;

/** Carries a failed prompt past the token error handling, which would otherwise wrap it as KEY_UNAVAILABLE. */
class PromptFailure {
  constructor(readonly error: unknown) {}
}

/** One session's operations in order: C_SignInit and C_Sign of two signatures must not interleave. */
class Lane {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(readonly session: Handle) {}

  run<T>(op: () => T | Promise<T>): Promise<T> {
    const result = this.tail.then(op);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

interface OpenToken {
  generation: number;
  lanes: Lane[];
  privateKey: Handle;
  publicKey: SigningKey['publicKey'];
}

/** Room for r || s of any curve up to P-521 (2 × 66 bytes). */
const SIGNATURE_BUFFER = 132;
/** Failures a reconnect cannot cure: logging in again with a wrong PIN would only lock the token. */
const FATAL_CODES = new Set(['WRONG_PIN', 'PIN_LOCKED', 'PIN_REQUIRED']);

/**
 * A key on a PKCS#11 token, addressed by a cosign `pkcs11:` URI. The private key never leaves the token: each
 * signature is CKM_ECDSA over the SHA-256 digest, DER-encoded as cosign writes it. A lost session (token
 * removed, module error) fails that signature with the retryable KEY_UNAVAILABLE, and the next use or
 * readiness check opens the token again; a different key found there is refused.
 */
export class Pkcs11KeyProvider implements KeyProvider {
  readonly description: string;
  readonly uri: Pkcs11Uri;
  private readonly env: Readonly<Record<string, string | undefined>>;
  private readonly sessionCount: number;
  private library: Pkcs11Library | undefined;
  private open: OpenToken | undefined;
  private opening: Promise<OpenToken> | undefined;
  private loading: Promise<SigningKey> | undefined;
  private key: SigningKey | undefined;
  /** The module generation whose sessions died: the next open initialises the module again. */
  private lostGeneration: number | undefined;
  private fatal: KeyError | undefined;
  private closed = false;
  private turn = 0;

  constructor(
    uri: string | Pkcs11Uri,
    private readonly options: Pkcs11ProviderOptions = {},
  ) {
    this.env = options.env ?? {};
    this.uri = typeof uri === 'string' ? parsePkcs11Uri(uri, this.env) : uri;
    const { pinValue: _secret, ...shown } = this.uri;
    this.description = formatPkcs11Uri(shown);
    this.sessionCount = Math.max(1, options.sessions ?? 4);
  }

  load(): Promise<SigningKey> {
    this.loading ??= this.connect().then(
      (token) => {
        const { publicKey } = token;
        this.key ??= {
          algorithm: 'ecdsa-p256',
          publicKey,
          publicKeyPem: publicKeyToPem(publicKey),
          fingerprint: fingerprintOf(publicKey),
          sign: (data) => this.sign(data),
        };
        return this.key;
      },
      (err: unknown) => {
        this.loading = undefined;
        throw err;
      },
    );
    return this.loading;
  }

  /** Loaded, and the key answers now (a cheap attribute read); a lost token is opened again here. */
  async ready(): Promise<boolean> {
    if (this.closed || !this.key) return false;
    let token: OpenToken | undefined;
    try {
      const held = (token = await this.connect());
      const { api, ck } = this.requireLibrary();
      const lane = held.lanes[0] as Lane;
      await lane.run(() => api.C_GetAttributeValue(lane.session, held.privateKey, [{ type: ck.CKA_KEY_TYPE }]));
      return true;
    } catch {
      if (token) this.lose(token);
      return false;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.opening?.catch(() => undefined);
    if (this.open) this.lose(this.open);
    this.library?.release();
    this.library = undefined;
  }

  private async sign(data: Uint8Array): Promise<string> {
    const digest = createHash('sha256').update(data).digest();
    const token = await this.connect();
    const { api, ck } = this.requireLibrary();
    const lane = token.lanes[this.turn++ % token.lanes.length] as Lane;
    try {
      const raw = await lane.run(() => {
        api.C_SignInit(lane.session, { mechanism: ck.CKM_ECDSA }, token.privateKey);
        return api.C_SignAsync(lane.session, digest, Buffer.alloc(SIGNATURE_BUFFER));
      });
      return ecdsaRawToDer(raw).toString('base64');
    } catch (cause) {
      this.lose(token);
      throw new KeyUnavailableError(
        `${this.description}: signing failed (${ckrName(cause) ?? (cause as Error).message}); the token is opened again on next use`,
        { cause },
      );
    }
  }

  private requireLibrary(): Pkcs11Library {
    if (!this.library) throw new KeyUnavailableError(`${this.description}: the provider is closed`);
    return this.library;
  }

  private connect(): Promise<OpenToken> {
    if (this.closed) return Promise.reject(new KeyUnavailableError(`${this.description}: the provider is closed`));
    if (this.open) return Promise.resolve(this.open);
    this.opening ??= this.openToken().finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  /** Forgets a token whose session failed and closes its sessions; the next connect opens it afresh. */
  private lose(token: OpenToken): void {
    if (this.open === token) this.open = undefined;
    this.lostGeneration = token.generation;
    const library = this.library;
    if (!library || library.generation !== token.generation) return;
    for (const lane of token.lanes) {
      try {
        library.api.C_CloseSession(lane.session);
      } catch {
        // The session is already gone with the token.
      }
    }
  }

  private async openToken(): Promise<OpenToken> {
    if (this.fatal) throw this.fatal;
    this.library ??= await Pkcs11Library.acquire(this.uri.modulePath);
    const library = this.library;
    if (this.lostGeneration === library.generation) library.reinitialize();
    const generation = library.generation;
    const sessions: Handle[] = [];
    try {
      const slot = findSlot(library, this.uri);
      for (let i = 0; i < this.sessionCount; i++) sessions.push(library.api.C_OpenSession(slot, library.ck.CKF_SERIAL_SESSION));
      if (loginRequired(library, slot)) login(library, sessions[0] as Handle, await this.pin());
      const { privateKey, publicKey } = findKeyPair(library, sessions[0] as Handle, this.uri);
      if (this.key && !spkiDer(publicKey).equals(spkiDer(this.key.publicKey))) {
        throw new KeyUnavailableError(
          `${this.description}: the token now holds a different key (${fingerprintOf(publicKey).short}, loaded ${this.key.fingerprint.short}); put the original token back`,
        );
      }
      this.open = { generation, lanes: sessions.map((s) => new Lane(s)), privateKey, publicKey };
      return this.open;
    } catch (err) {
      for (const session of sessions) {
        try {
          library.api.C_CloseSession(session);
        } catch {
          // Closing is best effort on a failing token.
        }
      }
      this.lostGeneration = generation;
      if (err instanceof PromptFailure) throw err.error;
      // On first load the caller hears exactly what is wrong; once loaded, a token that went away (not found,
      // key missing) may come back, so those become retryable, while a PIN problem stops further logins.
      if (isKeyError(err) && (err.retryable || !this.key)) throw err;
      if (isKeyError(err) && FATAL_CODES.has(err.code)) throw (this.fatal = err);
      const why = isKeyError(err) ? err.message : (ckrName(err) ?? (err as Error).message);
      throw new KeyUnavailableError(`${this.description}: the token cannot be opened: ${why}`, { cause: err });
    }
  }

  /** pin-value, then pin-source (a file), then COSIGN_PKCS11_PIN, then the caller's source, then the prompt. */
  private async pin(): Promise<string> {
    if (this.uri.pinValue) return this.uri.pinValue;
    const source = this.uri.pinSource;
    if (source) {
      const path = source.startsWith('file:') ? fileURLToPath(new URL(source)) : source;
      const text = await readFile(path, 'utf8').catch((cause: unknown) => {
        throw new KeyError('PIN_REQUIRED', `cannot read the PIN from pin-source ${source}`, { cause });
      });
      return text.replace(/\r?\n$/, '');
    }
    if (this.env.COSIGN_PKCS11_PIN) return this.env.COSIGN_PKCS11_PIN;
    const given = this.options.pin;
    if (given !== undefined) {
      const pin = typeof given === 'function' ? await given() : given;
      return typeof pin === 'string' ? pin : Buffer.from(pin).toString('utf8');
    }
    const prompt = this.options.pinPrompt;
    if (prompt) {
      const { token, slotId, object } = this.uri;
      const request: Pkcs11PinRequest = {
        ...(token !== undefined ? { token } : {}),
        ...(slotId !== undefined ? { slotId } : {}),
        ...(object ? { object: object.toString('utf8') } : {}),
        description: this.description,
      };
      return prompt(request).catch((err: unknown) => {
        throw new PromptFailure(err);
      });
    }
    throw new KeyError(
      'PIN_REQUIRED',
      `${this.description}: the token needs a login: give pin-value or pin-source in the URI, or set COSIGN_PKCS11_PIN`,
    );
  }
}
