import { describe, expect, it } from 'vitest';
import { parseDuration } from '../src/duration.js';

describe('parseDuration', () => {
  it.each([
    ['90', 90_000],
    ['90s', 90_000],
    ['15m', 900_000],
    ['6h', 21_600_000],
    ['7d', 604_800_000],
    ['1h30m', 5_400_000],
    ['250ms', 250],
  ])('%s → %i ms', (input, ms) => {
    expect(parseDuration('--timeout', input)).toBe(ms);
  });

  it.each(['', 'soon', '5x', '1h 30m', '-5s'])('rejects %j naming the flag', (input) => {
    expect(() => parseDuration('--timeout', input)).toThrow('--timeout');
  });
});
