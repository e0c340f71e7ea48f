import { InvalidArgumentError } from './errors.js';

/**
 * Every ISO-8601 variant of spec §1.8: `T` or space separator, optional fraction
 * (any number of digits), `Z`, `±HH:MM`, `±HHMM`, `±HH` or no offset (naive).
 */
const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

interface TimestampParts {
  date: string;
  hh: string;
  mm: string;
  ss: string;
  fraction: string;
  offset: string | undefined;
}

function parts(value: string): TimestampParts | undefined {
  const m = TIMESTAMP.exec(value.trim());
  if (!m) return undefined;
  return {
    date: `${m[1]}-${m[2]}-${m[3]}`,
    hh: m[4]!,
    mm: m[5]!,
    ss: m[6] ?? '00',
    fraction: m[7] ?? '',
    offset: m[8],
  };
}

function normalizeOffset(offset: string | undefined): string | undefined {
  if (offset === undefined) return undefined;
  if (offset === 'Z' || offset === 'z') return '+00:00';
  const sign = offset[0];
  const digits = offset.slice(1).replace(':', '');
  const hh = digits.slice(0, 2);
  const mm = digits.slice(2, 4) || '00';
  return `${sign}${hh}:${mm}`;
}

/** True when `value` is one of the timestamp forms the API uses. */
export function isGencoveTimestamp(value: string): boolean {
  return parts(value) !== undefined;
}

/**
 * Parse any timestamp form of spec §1.8 into a `Date` (millisecond precision).
 * Naive values (no offset, e.g. the maintenance ETA `2026-02-01 18:00:00`) are read
 * as UTC. Throws {@link InvalidArgumentError} for anything else.
 */
export function parseGencoveTimestamp(value: string): Date {
  const p = parts(value);
  if (!p) {
    throw new InvalidArgumentError(
      'timestamp',
      `Not a recognised timestamp: ${JSON.stringify(value)}`,
    );
  }
  const ms = `${p.fraction}000`.slice(0, 3);
  const iso = `${p.date}T${p.hh}:${p.mm}:${p.ss}.${ms}${normalizeOffset(p.offset) ?? 'Z'}`;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime()) || !isCalendarDate(p.date)) {
    throw new InvalidArgumentError('timestamp', `Not a valid date: ${JSON.stringify(value)}`);
  }
  return d;
}

/** `YYYY-MM-DD` names a real day (`Date` rolls 2026-02-30 over to March 2 instead of refusing it). */
function isCalendarDate(date: string): boolean {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const day = new Date(Date.UTC(y, m - 1, d));
  return day.getUTCMonth() === m - 1 && day.getUTCDate() === d;
}

/**
 * Re-serialise a timestamp the way the reference client echoes it to the server
 * (spec §1.3): `T` separator, microseconds (6 digits, omitted when zero), numeric
 * offset (`Z` → `+00:00`); naive values stay naive. Sub-millisecond digits of strings
 * are preserved. Unrecognised strings are returned unchanged.
 */
export function formatGencoveTimestamp(value: string | Date): string {
  if (value instanceof Date) {
    const iso = value.toISOString(); // 2026-01-05T09:14:03.118Z
    const ms = iso.slice(20, 23);
    const base = iso.slice(0, 19);
    return ms === '000' ? `${base}+00:00` : `${base}.${ms}000+00:00`;
  }
  const p = parts(value);
  if (!p) return value;
  const micro = `${p.fraction}000000`.slice(0, 6);
  const frac = /^0+$/.test(micro) ? '' : `.${micro}`;
  return `${p.date}T${p.hh}:${p.mm}:${p.ss}${frac}${normalizeOffset(p.offset) ?? ''}`;
}
