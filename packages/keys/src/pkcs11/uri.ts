import { KeyError } from '../errors';

/**
 * A PKCS#11 key reference as cosign reads it (pkg/cosign/pkcs11key/util.go, RFC 7512):
 * `pkcs11:token=…;slot-id=…;id=…;object=…?module-path=…&pin-value=…`. Values are percent-decoded bytes.
 */
export interface Pkcs11Uri {
  /** Token label; `slotId` wins when both are given, as in cosign. */
  token?: string;
  slotId?: number;
  /** CKA_LABEL of the key (bytes, as the token stores them). */
  object?: Buffer;
  /** CKA_ID of the key; wins over `object` when both are given, as in cosign. */
  id?: Buffer;
  /** Absolute path of the module (`module-path`, else `COSIGN_PKCS11_MODULE_PATH`). */
  modulePath: string;
  pinValue?: string;
  /** RFC 7512's `pin-source`: a file holding the PIN (`file:` URI or path). cosign ignores it; signet reads it. */
  pinSource?: string;
}

const invalid = (message: string): KeyError => new KeyError('INVALID_PKCS11_URI', `invalid PKCS#11 URI: ${message}`);

/** Go's url.QueryUnescape to bytes: `+` is a space, `%XX` needs two hex digits. */
function queryUnescape(text: string): Buffer {
  const out: number[] = [];
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (b === 0x25) {
      const hex = bytes.subarray(i + 1, i + 3).toString('latin1');
      if (!/^[0-9a-f]{2}$/i.test(hex)) throw invalid(`bad percent-escape "%${hex}"`);
      out.push(parseInt(hex, 16));
      i += 2;
    } else out.push(b === 0x2b ? 0x20 : b);
  }
  return Buffer.from(out);
}

/**
 * Go's url.ParseQuery after cosign turns `;` into `&`: the first value of each name wins, empty parts are
 * skipped, and a name without `=` has the empty value.
 */
function parseAttributes(text: string): Map<string, Buffer> {
  const attributes = new Map<string, Buffer>();
  for (const part of text.split(/[;&]/)) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = queryUnescape(eq < 0 ? part : part.slice(0, eq)).toString('utf8');
    const value = queryUnescape(eq < 0 ? '' : part.slice(eq + 1));
    if (!attributes.has(name)) attributes.set(name, value);
  }
  return attributes;
}

/** Go's url.Values.Get: the empty string for a missing attribute, so an empty value counts as absent. */
const text = (attrs: Map<string, Buffer>, name: string): string => attrs.get(name)?.toString('utf8') ?? '';

/** Splits as Go's url.Parse does for an opaque URI: the fragment off first, then the query at the first `?`. */
function splitUri(uri: string): { scheme: string; opaque: string; query: string } {
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(uri)) throw invalid('it contains a control character');
  const hash = uri.indexOf('#');
  const withoutFragment = hash < 0 ? uri : uri.slice(0, hash);
  if (hash >= 0) queryUnescape(uri.slice(hash + 1).replace(/\+/g, '%2B'));
  const m = /^([a-z][a-z0-9+.-]*):(.*)$/is.exec(withoutFragment);
  if (!m || (m[1] as string).toLowerCase() !== 'pkcs11') throw invalid('not a pkcs11: URI');
  const rest = m[2] as string;
  const q = rest.indexOf('?');
  const path = q < 0 ? rest : rest.slice(0, q);
  // A rest starting with "/" is a hierarchical path to Go, not the opaque part that holds the attributes.
  return { scheme: 'pkcs11', opaque: path.startsWith('/') ? '' : path, query: q < 0 ? '' : rest.slice(q + 1) };
}

/**
 * Parses a `pkcs11:` key URI with cosign's rules: `token` or `slot-id` required, `object` or `id` required,
 * `slot-id` a decimal number, `module-path` from the query or else `COSIGN_PKCS11_MODULE_PATH`.
 */
export function parsePkcs11Uri(uri: string, env: Readonly<Record<string, string | undefined>> = {}): Pkcs11Uri {
  const parts = splitUri(uri);
  const path = parseAttributes(parts.opaque);
  const query = parseAttributes(parts.query);
  const token = text(path, 'token');
  const slot = text(path, 'slot-id');
  if (token === '' && slot === '') throw invalid('one of token and slot-id must be set');
  let slotId: number | undefined;
  if (slot !== '') {
    // strconv.Atoi: an optional sign and decimal digits.
    if (!/^[+-]?[0-9]+$/.test(slot) || !Number.isSafeInteger(Number(slot))) throw invalid(`slot-id '${slot}' is not a valid number`);
    slotId = Number(slot);
  }
  const modulePath = text(query, 'module-path') || env.COSIGN_PKCS11_MODULE_PATH || '';
  if (modulePath === '') throw invalid('module-path or COSIGN_PKCS11_MODULE_PATH must be set to the absolute path of the PKCS11 module');
  const object = path.get('object');
  const id = path.get('id');
  if (!object?.length && !id?.length) throw invalid('one of object and id must be set');
  const pinValue = text(query, 'pin-value');
  const pinSource = text(query, 'pin-source');
  return {
    ...(token !== '' ? { token } : {}),
    ...(slotId !== undefined ? { slotId } : {}),
    ...(object?.length ? { object } : {}),
    ...(id?.length ? { id } : {}),
    modulePath,
    ...(pinValue !== '' ? { pinValue } : {}),
    ...(pinSource !== '' ? { pinSource } : {}),
  };
}

// cosign's allowed characters less `&` and `+`: its own parser reads `&` as a separator and `+` as a space,
// so a label holding either would not survive a round trip through cosign's Construct and Parse.
const PATH_VALUE_CHARS = /[A-Za-z0-9\-._~:[\]@!$'()*,=]/;
const QUERY_VALUE_CHARS = /[A-Za-z0-9\-._~:[\]@!$'()*,=/?|]/;

/** cosign's EncodeURIComponent: allowed characters kept, every other byte as a lower-case `%xx`. */
function encodeComponent(value: Buffer | string, allowed: RegExp): string {
  let out = '';
  for (const b of Buffer.from(value)) {
    const c = String.fromCharCode(b);
    out += b < 0x80 && allowed.test(c) ? c : `%${b.toString(16).padStart(2, '0')}`;
  }
  return out;
}

/**
 * The URI as cosign's Pkcs11UriConfig.Construct writes it (token, slot-id, id as percent-encoded bytes,
 * object, then module-path). The PIN is left out unless `withPin`: URIs end up in logs and shell history.
 */
export function formatPkcs11Uri(uri: Omit<Pkcs11Uri, 'pinSource'> & { pinSource?: string }, options: { withPin?: boolean } = {}): string {
  const path: string[] = [];
  if (uri.token !== undefined) path.push(`token=${encodeComponent(uri.token, PATH_VALUE_CHARS)}`);
  if (uri.slotId !== undefined) path.push(`slot-id=${uri.slotId}`);
  if (uri.id?.length) path.push(`id=${[...uri.id].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')}`);
  if (uri.object?.length) path.push(`object=${encodeComponent(uri.object, PATH_VALUE_CHARS)}`);
  let text = `pkcs11:${path.join(';')}?module-path=${encodeComponent(uri.modulePath, QUERY_VALUE_CHARS)}`;
  if (options.withPin && uri.pinValue) text += `&pin-value=${encodeComponent(uri.pinValue, QUERY_VALUE_CHARS)}`;
  if (uri.pinSource) text += `&pin-source=${encodeComponent(uri.pinSource, QUERY_VALUE_CHARS)}`;
  return text;
}
