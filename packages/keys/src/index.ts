// Where signing keys live: key files, env://, PKCS#11 tokens, and the provider interface KMS services plug into.
export { KeyError, KeyUnavailableError, isKeyError, type KeyErrorCode } from './errors';
export type { KeyProvider, PasswordSource } from './providers';
export {
  keyProviderFromRef,
  registerKeyProvider,
  type KeyProviderRegistry,
  type KeyProviderFactory,
  type KeyRefOptions,
} from './references';
export type { Pkcs11ProviderOptions, Pkcs11PinPrompt, Pkcs11PinRequest } from './pkcs11/provider';
export {
  listPkcs11Tokens,
  listPkcs11Keys,
  type Pkcs11TokenListing,
  type Pkcs11KeyListing,
  type Pkcs11TokenPinPrompt,
} from './pkcs11/inventory';
// For a KMS provider whose service answers an ECDSA signature as raw r||s (Azure Key Vault, JWS style).
export { ecdsaRawToDer } from './pkcs11/ecdsa';
