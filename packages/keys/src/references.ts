import { KeyError } from './errors';
import { PKCS11_SCHEME, Pkcs11KeyProvider, type Pkcs11PinPrompt, type Pkcs11ProviderOptions } from './pkcs11/provider';
import { EnvKeyProvider, FileKeyProvider, type KeyProvider, type PasswordSource } from './providers';

export interface KeyRefOptions {
  /** Decrypts an encrypted key file (asked only when the PEM is encrypted). */
  password?: PasswordSource;
  /**
   * A token's PIN where the `pkcs11:` URI carries none (`pin-value`, `pin-source`) and `COSIGN_PKCS11_PIN`
   * is unset; asked only when the token needs a login.
   */
  pin?: PasswordSource;
  /** Asks a person for a token's PIN when nothing else gives one (see Pkcs11ProviderOptions.pinPrompt). */
  pinPrompt?: Pkcs11PinPrompt;
  /**
   * The environment `env://` references read from, and `COSIGN_PKCS11_MODULE_PATH` / `COSIGN_PKCS11_PIN`
   * as cosign reads them (passed in, so config stays in one place).
   */
  env?: Readonly<Record<string, string | undefined>>;
  /** Where `scheme://` providers are looked up; the process-wide `keyProviders` by default. */
  providers?: KeyProviderRegistry;
}

/** Builds the provider for one reference of the scheme it was registered for. */
export type KeyProviderFactory = (ref: string, options: KeyRefOptions) => KeyProvider;

/**
 * cosign's KMS reference schemes (`awskms://`, `gcpkms://`, `azurekms://`, `hashivault://`). None is built in:
 * each needs its cloud SDK and credentials, so a deployment that uses one registers its provider. Until then
 * a reference to one fails with KMS_PROVIDER_NOT_BUILT_IN instead of being read as a file path.
 */
export const KMS_SCHEMES: readonly string[] = ['awskms', 'gcpkms', 'azurekms', 'hashivault'];

const BUILT_IN_SCHEMES = new Set(['env', 'file', 'pkcs11']);
const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

/** Key providers by URI scheme, the way cosign's `kms.AddProvider` lets a KMS plug in. */
export class KeyProviderRegistry {
  private readonly factories = new Map<string, KeyProviderFactory>();

  /** Serves `scheme://…` references with `factory`; returns a function that removes it again. */
  register(scheme: string, factory: KeyProviderFactory): () => void {
    const name = scheme.toLowerCase().replace(/:(\/\/)?$/, '');
    if (BUILT_IN_SCHEMES.has(name)) throw new TypeError(`${name} references are built in and cannot be replaced`);
    if (this.factories.has(name)) throw new TypeError(`a key provider for ${name}:// is already registered`);
    this.factories.set(name, factory);
    return () => {
      if (this.factories.get(name) === factory) this.factories.delete(name);
    };
  }

  factory(scheme: string): KeyProviderFactory | undefined {
    return this.factories.get(scheme.toLowerCase());
  }

  get schemes(): string[] {
    return [...this.factories.keys()];
  }
}

/** The process-wide registry `keyProviderFromRef` uses unless given another. */
export const keyProviders = new KeyProviderRegistry();

/** Registers a provider on the process-wide registry (see KeyProviderRegistry.register). */
export function registerKeyProvider(scheme: string, factory: KeyProviderFactory): () => void {
  return keyProviders.register(scheme, factory);
}

/**
 * A key reference as cosign's `--key` accepts it: a path, `file:///path`, `env://NAME`, a `pkcs11:` URI, or a
 * `scheme://` name served by a registered provider. Throws KeyError for a scheme nothing serves; nothing is
 * opened or read until `load()`.
 */
export function keyProviderFromRef(ref: string, options: KeyRefOptions = {}): KeyProvider {
  const env = options.env ?? {};
  if (ref.startsWith(PKCS11_SCHEME)) {
    const { pin, pinPrompt } = options;
    const pkcs11: Pkcs11ProviderOptions = { env, ...(pin ? { pin } : {}), ...(pinPrompt ? { pinPrompt } : {}) };
    return new Pkcs11KeyProvider(ref, pkcs11);
  }
  if (ref.startsWith('env://')) return new EnvKeyProvider(ref.slice('env://'.length), env, options.password);
  if (ref.startsWith('file://')) return new FileKeyProvider(ref.slice('file://'.length), options.password);
  const scheme = SCHEME.exec(ref)?.[1]?.toLowerCase();
  if (scheme === undefined) return new FileKeyProvider(ref, options.password);
  const factory = (options.providers ?? keyProviders).factory(scheme);
  if (factory) return factory(ref, options);
  if (KMS_SCHEMES.includes(scheme)) {
    throw new KeyError(
      'KMS_PROVIDER_NOT_BUILT_IN',
      `${scheme}:// keys need a KMS provider and none is built in: register one (registerKeyProvider('${scheme}', …)), or use a key file, env:// or a pkcs11: URI`,
    );
  }
  throw new KeyError('UNSUPPORTED_KEY_REFERENCE', `unsupported key reference scheme: ${scheme}://`);
}
