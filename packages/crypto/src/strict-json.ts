/**
 * A JSON parser that rejects duplicate object keys, as Go's containers/image payload parser does.
 * `JSON.parse` silently keeps the last duplicate, which would let two readers see different claims.
 */
export class StrictJsonError extends Error {}

export function parseStrictJson(text: string): unknown {
  let pos = 0;
  const fail = (what: string): never => {
    throw new StrictJsonError(`${what} at offset ${pos}`);
  };
  const skipWs = (): void => {
    while (pos < text.length && ' \t\n\r'.includes(text[pos] as string)) pos++;
  };
  const parseString = (): string => {
    // Raw control characters are invalid inside JSON strings, hence the explicit range.
    // eslint-disable-next-line no-control-regex
    const match = /^"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/.exec(text.slice(pos));
    if (!match) return fail('invalid string');
    pos += match[0].length;
    return JSON.parse(match[0]) as string;
  };
  const parseValue = (): unknown => {
    skipWs();
    const ch = text[pos];
    if (ch === '{') return parseObject();
    if (ch === '[') return parseArray();
    if (ch === '"') return parseString();
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (text.startsWith(word, pos)) {
        pos += word.length;
        return value;
      }
    }
    const num = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(pos));
    if (!num) return fail('unexpected token');
    pos += num[0].length;
    return Number(num[0]);
  };
  /** After an opening bracket: items separated by commas up to `close`, each read by `parseItem`. */
  const parseItems = (close: ']' | '}', parseItem: () => void): void => {
    pos++;
    skipWs();
    if (text[pos] === close) {
      pos++;
      return;
    }
    for (;;) {
      parseItem();
      skipWs();
      if (text[pos] === ',') pos++;
      else if (text[pos] === close) {
        pos++;
        return;
      } else fail(`expected , or ${close}`);
    }
  };
  const parseArray = (): unknown[] => {
    const out: unknown[] = [];
    parseItems(']', () => out.push(parseValue()));
    return out;
  };
  const parseObject = (): Record<string, unknown> => {
    const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    parseItems('}', () => {
      skipWs();
      if (text[pos] !== '"') fail('expected object key');
      const key = parseString();
      if (Object.prototype.hasOwnProperty.call(out, key)) fail(`duplicate key "${key}"`);
      skipWs();
      if (text[pos] !== ':') fail('expected :');
      pos++;
      out[key] = parseValue();
    });
    return out;
  };
  const value = parseValue();
  skipWs();
  if (pos !== text.length) fail('trailing data');
  return value;
}
