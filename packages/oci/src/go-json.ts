// JSON text byte-identical to Go's encoding/json, for the bytes cosign and go-containerregistry write
// (simple-signing payloads, signature manifests): a signature over other bytes would not verify there.

/** A JSON string as Go writes it: like JSON.stringify, but `<`, `>`, `&`, U+2028 and U+2029 are escaped. */
export function goJsonString(value: string): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Go sorts map keys by their UTF-8 bytes, which differs from UTF-16 order above U+FFFF. */
function goKeyOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** A `map[string]string` as Go marshals it: keys sorted bytewise. */
export function goJsonStringMap(map: Readonly<Record<string, string>>): string {
  const keys = Object.keys(map).sort(goKeyOrder);
  return `{${keys.map((k) => `${goJsonString(k)}:${goJsonString(map[k] ?? '')}`).join(',')}}`;
}
