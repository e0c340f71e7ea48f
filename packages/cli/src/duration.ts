import { UsageError } from './usage-error.js';

const UNITS_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/**
 * Parses durations such as `90s`, `15m`, `6h`, `7d`, `1h30m` or a bare number of seconds.
 * Hand-written because the grammar is four lines and no maintained parser fits ESM + strict TS better.
 */
export function parseDuration(name: string, value: string): number {
  const text = value.trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) {
    throw new UsageError(
      `${name} must be a duration such as 90s, 15m, 6h, 7d or 1h30m; got "${value}".`,
    );
  }
  return Math.round(parts.reduce((sum, [, n, unit]) => sum + Number(n) * UNITS_MS[unit!]!, 0));
}
