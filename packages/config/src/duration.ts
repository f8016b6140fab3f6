const UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * Parses `500ms`, `30s`, `5m`, `1h` or `1.5d` into milliseconds. A number without a unit is refused (`0` apart,
 * which needs none): it used to mean milliseconds, so `timeout: 30` gave every registry request 30 ms, and the
 * reader of a config file cannot tell which unit its author had in mind.
 */
export function parseDuration(value: string | number): number {
  const text = String(value).trim();
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(text);
  if (!m) throw new Error(`invalid duration "${text}" (use e.g. 500ms, 30s, 5m, 1h)`);
  const n = Number(m[1]);
  if (!m[2]) {
    if (n === 0) return 0;
    throw new Error(`a bare number is not a duration: write ${text}s for seconds or ${text}ms for milliseconds`);
  }
  return Math.round(n * UNITS[m[2] as keyof typeof UNITS]);
}
