import fc from 'fast-check';
import { formatPkcs11Uri, parsePkcs11Uri, type Pkcs11Uri } from './uri';

const MODULE = '/usr/lib/softhsm/libsofthsm2.so';

describe('parsePkcs11Uri (cosign pkcs11key.Pkcs11UriConfig.Parse)', () => {
  it.each<[string, string, Partial<Pkcs11Uri>]>([
    [
      'token and object',
      `pkcs11:token=signet;object=signer?module-path=${MODULE}`,
      { token: 'signet', object: Buffer.from('signer'), modulePath: MODULE },
    ],
    [
      'slot-id and id as percent-encoded bytes',
      `pkcs11:slot-id=748341547;id=%01%ff%20?module-path=${MODULE}`,
      { slotId: 748341547, id: Buffer.from([1, 0xff, 0x20]), modulePath: MODULE },
    ],
    [
      'percent-decoded labels, + as a space',
      `pkcs11:token=my%20token;object=key+one%2Bx?module-path=${MODULE}`,
      { token: 'my token', object: Buffer.from('key one+x') },
    ],
    ['UTF-8 labels', `pkcs11:token=%C3%A9t%C3%A9;object=k?module-path=${MODULE}`, { token: 'été' }],
    [
      'pin-value, with ; as well as & between query attributes',
      `pkcs11:token=t;object=k?module-path=${MODULE};pin-value=12%2634`,
      { pinValue: '12&34' },
    ],
    [
      'pin-source as a file',
      `pkcs11:token=t;object=k?module-path=${MODULE}&pin-source=file:/run/secrets/pin`,
      { pinSource: 'file:/run/secrets/pin' },
    ],
    ['the first of repeated attributes', `pkcs11:token=a;token=b;object=k?module-path=${MODULE}`, { token: 'a' }],
    [
      'id and object both (id wins when finding the key)',
      `pkcs11:token=t;id=%02;object=k?module-path=${MODULE}`,
      { id: Buffer.from([2]), object: Buffer.from('k') },
    ],
    ['slot-id with a sign, as strconv.Atoi reads it', `pkcs11:slot-id=%2B7;object=k?module-path=${MODULE}`, { slotId: 7 }],
    [
      'unknown attributes ignored, fragment dropped',
      `pkcs11:token=t;object=k;type=private;manufacturer=x?module-path=${MODULE}#frag`,
      { token: 't', object: Buffer.from('k') },
    ],
    ['an upper-case scheme', `PKCS11:token=t;object=k?module-path=${MODULE}`, { token: 't' }],
  ])('reads %s', (_name, uri, expected) => {
    expect(parsePkcs11Uri(uri)).toMatchObject(expected);
  });

  it('takes module-path from COSIGN_PKCS11_MODULE_PATH when the URI has none, the URI first otherwise', () => {
    expect(parsePkcs11Uri('pkcs11:token=t;object=k', { COSIGN_PKCS11_MODULE_PATH: '/m.so' }).modulePath).toBe('/m.so');
    expect(parsePkcs11Uri(`pkcs11:token=t;object=k?module-path=${MODULE}`, { COSIGN_PKCS11_MODULE_PATH: '/m.so' }).modulePath).toBe(MODULE);
  });

  it.each([
    ['another scheme', `file:token=t;object=k?module-path=${MODULE}`, 'not a pkcs11: URI'],
    ['neither token nor slot-id', `pkcs11:object=k?module-path=${MODULE}`, 'one of token and slot-id must be set'],
    ['an empty token', `pkcs11:token=;object=k?module-path=${MODULE}`, 'one of token and slot-id must be set'],
    ['a slot-id that is not a number', `pkcs11:slot-id=1a;object=k?module-path=${MODULE}`, "slot-id '1a' is not a valid number"],
    [
      'a slot-id whose + is a space, as in cosign',
      `pkcs11:slot-id=+7;object=k?module-path=${MODULE}`,
      "slot-id ' 7' is not a valid number",
    ],
    ['no module path anywhere', 'pkcs11:token=t;object=k', 'module-path or COSIGN_PKCS11_MODULE_PATH must be set'],
    ['neither object nor id', `pkcs11:token=t?module-path=${MODULE}`, 'one of object and id must be set'],
    ['a bad percent-escape', `pkcs11:token=t%zz;object=k?module-path=${MODULE}`, 'bad percent-escape'],
    ['a control character', `pkcs11:token=t\n;object=k?module-path=${MODULE}`, 'control character'],
    ['attributes in a hierarchical path', `pkcs11:/token=t;object=k?module-path=${MODULE}`, 'one of token and slot-id must be set'],
  ])('refuses %s', (_name, uri, message) => {
    expect(() => parsePkcs11Uri(uri)).toThrow(
      expect.objectContaining({ code: 'INVALID_PKCS11_URI', message: expect.stringContaining(message) }),
    );
  });

  it('never puts the PIN in an error message', () => {
    expect(() => parsePkcs11Uri('pkcs11:object=k?pin-value=s3cret-pin')).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('s3cret-pin') }),
    );
  });
});

describe('formatPkcs11Uri (cosign Pkcs11UriConfig.Construct)', () => {
  it('writes token, slot-id, id bytes and object, then the module path, leaving the PIN out unless asked', () => {
    const uri = {
      token: 'my token',
      slotId: 3,
      id: Buffer.from([0x0a, 0xbc]),
      object: Buffer.from('signer/1'),
      modulePath: MODULE,
      pinValue: '1234',
    };
    expect(formatPkcs11Uri(uri)).toBe(`pkcs11:token=my%20token;slot-id=3;id=%0a%bc;object=signer%2f1?module-path=${MODULE}`);
    expect(formatPkcs11Uri(uri, { withPin: true })).toBe(
      `pkcs11:token=my%20token;slot-id=3;id=%0a%bc;object=signer%2f1?module-path=${MODULE}&pin-value=1234`,
    );
  });

  it('round-trips through the parser for any labels, ids and PIN', () => {
    const text = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(text, fc.uint8Array({ minLength: 1, maxLength: 8 }), text, text, (token, id, object, pin) => {
        const uri = { token, id: Buffer.from(id), object: Buffer.from(object), modulePath: MODULE, pinValue: pin };
        expect(parsePkcs11Uri(formatPkcs11Uri(uri, { withPin: true }))).toEqual(uri);
      }),
    );
  });
});
