/**
 * JSON text as Go's encoding/json writes it: like JSON.stringify, but `<`, `>`, `&`, U+2028 and U+2029 are
 * escaped. Needed wherever bytes must equal what cosign (go-containerregistry) writes.
 */
export function goString(value: string): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

/** A string map with keys sorted bytewise, as Go marshals `map[string]string`. */
export function goStringMap(map: Record<string, string>): string {
  const keys = Object.keys(map).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return '{' + keys.map((k) => `${goString(k)}:${goString(map[k] ?? '')}`).join(',') + '}';
}
