// Where signing keys live: key files, env://, PKCS#11 tokens, and the provider interface KMS services plug into.
export { KeyError, KeyUnavailableError, isKeyError, type KeyErrorCode } from './errors';
export { FileKeyProvider, EnvKeyProvider, type KeyProvider, type PasswordSource } from './providers';
export {
  keyProviderFromRef,
  registerKeyProvider,
  keyProviders,
  KeyProviderRegistry,
  KMS_SCHEMES,
  type KeyProviderFactory,
  type KeyRefOptions,
} from './references';
export {
  Pkcs11KeyProvider,
  PKCS11_SCHEME,
  type Pkcs11ProviderOptions,
  type Pkcs11PinPrompt,
  type Pkcs11PinRequest,
} from './pkcs11/provider';
export { parsePkcs11Uri, formatPkcs11Uri, type Pkcs11Uri } from './pkcs11/uri';
export {
  listPkcs11Tokens,
  listPkcs11Keys,
  type Pkcs11TokenListing,
  type Pkcs11KeyListing,
  type Pkcs11TokenPinPrompt,
} from './pkcs11/inventory';
export { ecdsaRawToDer, P256_EC_PARAMS } from './pkcs11/ecdsa';
