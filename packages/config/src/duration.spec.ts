import fc from 'fast-check';
import { parseDuration } from './duration';

describe('parseDuration', () => {
  it('reads each unit', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('1.5d')).toBe(129_600_000);
  });

  it('refuses a number without a unit, suggesting one, but takes 0', () => {
    expect(() => parseDuration(30)).toThrow(/bare number.*write 30s for seconds or 30ms/);
    expect(() => parseDuration('250')).toThrow(/250s/);
    expect(parseDuration(0)).toBe(0);
    expect(parseDuration('0')).toBe(0);
  });

  it('refuses nonsense and negative durations', () => {
    expect(() => parseDuration('soon')).toThrow(/invalid duration/);
    expect(() => parseDuration('-5s')).toThrow(/invalid duration/);
    expect(() => parseDuration(-5)).toThrow(/invalid duration/);
  });

  it('refuses every non-zero number, whatever its size', () => {
    fc.assert(fc.property(fc.integer({ min: 1 }), (n) => expect(() => parseDuration(n)).toThrow(/bare number/)));
  });
});
