import type * as Pkcs11js from 'pkcs11js';
import { KeyError } from '../errors';
import { Pkcs11Library } from './library';
import { findObjects, findSlot, login, loginRequired, slotNumber, trimPadded, ulong, type TokenSelector } from './token';
import { formatPkcs11Uri } from './uri';

export interface Pkcs11TokenListing {
  slotId: number;
  label: string;
  manufacturer: string;
  model: string;
  serial: string;
  loginRequired: boolean;
}

export interface Pkcs11KeyListing {
  label: string;
  /** CKA_ID as lower-case hex ('' when the key has none). */
  id: string;
  /** `EC`, `RSA` or the CKK_ number of another type. */
  keyType: string;
  /** The cosign key URI for `--key` and `signer.key.uri` (without the PIN). */
  uri: string;
}

async function withLibrary<T>(modulePath: string, use: (library: Pkcs11Library) => T | Promise<T>): Promise<T> {
  const library = await Pkcs11Library.acquire(modulePath);
  try {
    return await use(library);
  } finally {
    library.release();
  }
}

/** The tokens present in the module's slots, as `cosign pkcs11-tool list-tokens` shows them. */
export function listPkcs11Tokens(modulePath: string): Promise<Pkcs11TokenListing[]> {
  return withLibrary(modulePath, ({ api, ck }) =>
    api.C_GetSlotList(true).map((slot) => {
      const info = api.C_GetTokenInfo(slot);
      return {
        slotId: slotNumber(slot),
        label: trimPadded(info.label),
        manufacturer: trimPadded(info.manufacturerID),
        model: trimPadded(info.model),
        serial: trimPadded(info.serialNumber),
        loginRequired: (info.flags & ck.CKF_LOGIN_REQUIRED) !== 0,
      };
    }),
  );
}

function keyTypeName(ck: typeof Pkcs11js, value: Buffer | undefined): string {
  const n = value?.length ? ulong(value) : -1;
  if (n === ck.CKK_EC) return 'EC';
  if (n === ck.CKK_RSA) return 'RSA';
  return `CKK_${n}`;
}

/** Asks a person for the PIN of the token named by its label; called only when the token needs a login. */
export type Pkcs11TokenPinPrompt = (token: string) => Promise<string>;

/**
 * The private keys on one token with the URI that addresses each, as cosign's `pkcs11-tool list-keys-uris`
 * builds it (token label and slot-id, id, object label, module-path). Private keys are visible only after a
 * login, so a token that needs one needs the PIN: given, or asked for (and only then) through a prompt.
 */
export function listPkcs11Keys(
  modulePath: string,
  selector: TokenSelector,
  pin?: string | Pkcs11TokenPinPrompt,
): Promise<Pkcs11KeyListing[]> {
  return withLibrary(modulePath, async (library) => {
    const { api, ck } = library;
    const slot = findSlot(library, selector);
    const token = trimPadded(api.C_GetTokenInfo(slot).label);
    // The PIN is asked for before a session opens, so a person slow to type holds no session on the token.
    const needsLogin = loginRequired(library, slot);
    if (needsLogin && pin === undefined)
      throw new KeyError('PIN_REQUIRED', `token "${token}" shows its private keys only after a login: give --pin or set COSIGN_PKCS11_PIN`);
    const loginPin = needsLogin ? (typeof pin === 'function' ? await pin(token) : pin) : undefined;
    const session = api.C_OpenSession(slot, ck.CKF_SERIAL_SESSION);
    try {
      if (loginPin !== undefined) login(library, session, loginPin);
      return findObjects(library, session, [{ type: ck.CKA_CLASS, value: ck.CKO_PRIVATE_KEY }]).map((handle) => {
        const [label, id, type] = api.C_GetAttributeValue(session, handle, [
          { type: ck.CKA_LABEL },
          { type: ck.CKA_ID },
          { type: ck.CKA_KEY_TYPE },
        ]) as Pkcs11js.AttributeResult[];
        const object = label?.value ?? Buffer.alloc(0);
        const keyId = id?.value ?? Buffer.alloc(0);
        return {
          label: object.toString('utf8'),
          id: keyId.toString('hex'),
          keyType: keyTypeName(ck, type?.value),
          uri: formatPkcs11Uri({
            token,
            slotId: slotNumber(slot),
            ...(keyId.length ? { id: keyId } : {}),
            ...(object.length ? { object } : {}),
            modulePath,
          }),
        };
      });
    } finally {
      api.C_CloseSession(session);
    }
  });
}
