import { parseDuration } from './duration';

describe('parseDuration', () => {
  it('reads each unit', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration(250)).toBe(250);
  });
  it('rejects nonsense', () => {
    expect(() => parseDuration('soon')).toThrow(/invalid duration/);
  });
});
