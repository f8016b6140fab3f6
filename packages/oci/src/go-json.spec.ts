import fc from 'fast-check';
import { goJsonString, goJsonStringMap } from './go-json';

describe('Go-compatible JSON', () => {
  it('escapes what encoding/json escapes beyond JSON.stringify', () => {
    expect(goJsonString('<a href="x">&</a>\u2028\u2029')).toBe('"\\u003ca href=\\"x\\"\\u003e\\u0026\\u003c/a\\u003e\\u2028\\u2029"');
  });

  it('always reads back as the same string', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (s) => expect(JSON.parse(goJsonString(s))).toBe(s)));
  });

  it('sorts map keys by UTF-8 bytes, as Go does, not by UTF-16 units', () => {
    // UTF-8: U+FF61 (EF BD A1) before U+1F600 (F0 9F 98 80); UTF-16 would put the surrogate D83D first.
    expect(goJsonStringMap({ '\u{1F600}': '2', '\uFF61': '1', b: '<' })).toBe('{"b":"\\u003c","\uFF61":"1","\u{1F600}":"2"}');
    expect(goJsonStringMap({})).toBe('{}');
  });
});
