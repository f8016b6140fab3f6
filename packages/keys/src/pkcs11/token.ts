import type { KeyObject } from 'node:crypto';
import type * as Pkcs11js from 'pkcs11js';
import { KeyError } from '../errors';
import { p256PublicKeyFromEcPoint } from './ecdsa';
import { ckrName, type Pkcs11Library } from './library';

type Handle = Pkcs11js.Handle;

/** A CK_ULONG as the module writes it (8 bytes on 64-bit Linux, 4 elsewhere): slot ids, key types. */
export function ulong(value: Buffer): number {
  return value.length >= 8 ? Number(value.readBigUInt64LE(0)) : value.readUInt32LE(0);
}

/** Slot ids are CK_ULONG handles; URIs and listings carry them as numbers. */
export const slotNumber = (handle: Handle): number => ulong(handle);

function slotHandle(slot: number, like: Handle | undefined): Handle {
  const handle = Buffer.alloc(like?.length ?? 8);
  if (handle.length >= 8) handle.writeBigUInt64LE(BigInt(slot));
  else handle.writeUInt32LE(slot);
  return handle;
}

/** Fixed-width PKCS#11 text fields are padded with blanks (some modules use NULs). */
export const trimPadded = (text: string): string => text.replace(/[ \0]+$/, '');

export interface TokenSelector {
  token?: string;
  slotId?: number;
}

const describeSelector = (s: TokenSelector): string => (s.slotId !== undefined ? `slot-id ${s.slotId}` : `token "${s.token}"`);

/** The slot holding the token; `slotId` wins over the label, as in cosign. */
export function findSlot(library: Pkcs11Library, selector: TokenSelector): Handle {
  const { api } = library;
  const slots = api.C_GetSlotList(true);
  if (selector.slotId !== undefined) {
    const wanted = slotHandle(selector.slotId, slots[0]);
    const found = slots.find((s) => s.equals(wanted));
    if (found) return found;
  } else {
    const found = slots.find((s) => trimPadded(api.C_GetTokenInfo(s).label) === selector.token);
    if (found) return found;
  }
  throw new KeyError('TOKEN_NOT_FOUND', `no token with ${describeSelector(selector)} in ${library.path}`);
}

export function loginRequired(library: Pkcs11Library, slot: Handle): boolean {
  return (library.api.C_GetTokenInfo(slot).flags & library.ck.CKF_LOGIN_REQUIRED) !== 0;
}

/** Logs the application in as the user; login state is per token and process, so "already" is success. */
export function login(library: Pkcs11Library, session: Handle, pin: string): void {
  try {
    library.api.C_Login(session, library.ck.CKU_USER, pin);
  } catch (cause) {
    const ckr = ckrName(cause);
    if (ckr === 'CKR_USER_ALREADY_LOGGED_IN') return;
    if (ckr === 'CKR_PIN_INCORRECT' || ckr === 'CKR_PIN_LEN_RANGE') throw new KeyError('WRONG_PIN', 'the token refused the PIN', { cause });
    if (ckr === 'CKR_PIN_LOCKED')
      throw new KeyError('PIN_LOCKED', 'the token has locked the user PIN after too many wrong tries', { cause });
    throw cause;
  }
}

export function findObjects(library: Pkcs11Library, session: Handle, template: Pkcs11js.Template): Handle[] {
  const { api } = library;
  api.C_FindObjectsInit(session, template);
  try {
    const found: Handle[] = [];
    for (let batch = api.C_FindObjects(session, 64); batch.length > 0; batch = api.C_FindObjects(session, 64)) found.push(...batch);
    return found;
  } finally {
    api.C_FindObjectsFinal(session);
  }
}

export interface KeySelector {
  id?: Buffer;
  object?: Buffer;
}

const describeKey = (k: KeySelector): string => (k.id?.length ? `id ${k.id.toString('hex')}` : `label "${k.object?.toString('utf8')}"`);

/** The template that finds the key: by CKA_ID when given (it wins over the label, as in cosign), else by label. */
function keyTemplate(library: Pkcs11Library, cls: number, key: KeySelector): Pkcs11js.Template {
  const { ck } = library;
  const attribute = key.id?.length ? { type: ck.CKA_ID, value: key.id } : { type: ck.CKA_LABEL, value: key.object ?? Buffer.alloc(0) };
  return [{ type: ck.CKA_CLASS, value: cls }, attribute];
}

export interface TokenKey {
  privateKey: Handle;
  publicKey: KeyObject;
}

/** Finds the private key and reads its public half from the public-key object beside it (CKA_EC_POINT). */
export function findKeyPair(library: Pkcs11Library, session: Handle, key: KeySelector): TokenKey {
  const { api, ck } = library;
  const [privateKey] = findObjects(library, session, keyTemplate(library, ck.CKO_PRIVATE_KEY, key));
  if (!privateKey)
    throw new KeyError(
      'KEY_NOT_FOUND',
      `no private key with ${describeKey(key)} on the token (is the PIN given? private objects are visible only after login)`,
    );
  const [type] = api.C_GetAttributeValue(session, privateKey, [{ type: ck.CKA_KEY_TYPE }]);
  if (!type?.value?.length || ulong(type.value) !== ck.CKK_EC) {
    throw new KeyError('UNSUPPORTED_KEY_TYPE', `the key with ${describeKey(key)} is not an EC key; cosign keys on a token are ECDSA P-256`);
  }
  const [publicHandle] = findObjects(library, session, keyTemplate(library, ck.CKO_PUBLIC_KEY, key));
  if (!publicHandle) throw new KeyError('KEY_NOT_FOUND', `no public key with ${describeKey(key)} beside the private key on the token`);
  const [params, point] = api.C_GetAttributeValue(session, publicHandle, [{ type: ck.CKA_EC_PARAMS }, { type: ck.CKA_EC_POINT }]);
  return { privateKey, publicKey: p256PublicKeyFromEcPoint(params?.value ?? Buffer.alloc(0), point?.value ?? Buffer.alloc(0)) };
}
