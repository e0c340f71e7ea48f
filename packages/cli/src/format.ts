import { parseGencoveTimestamp } from '@gencove/core';

/** Timestamps printed as the official client prints them: ISO 8601 with a `+00:00` offset. */
export function isoUtc(value: string | null | undefined): string {
  if (!value) return '';
  const date = parseGencoveTimestamp(value);
  if (!date || Number.isNaN(date.getTime())) return value;
  return date.toISOString().replace('Z', '+00:00');
}

/** Tab-separated line; tabs and newlines inside values would break columns, so they become spaces. */
export function tsv(values: Array<string | number | boolean | null | undefined>): string {
  return values.map((v) => String(v ?? '').replace(/[\t\r\n]+/g, ' ')).join('\t');
}
