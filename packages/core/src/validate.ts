import { InvalidArgumentError } from './errors.js';

const UUID_HYPHENATED = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const UUID_HEX = /^[0-9a-f]{32}$/i;

/**
 * Validate and normalise a UUID argument: accepts hyphenated or 32-hex-digit forms,
 * returns the canonical lowercase hyphenated string. Throws
 * {@link InvalidArgumentError} naming the argument otherwise.
 */
export function normalizeUuid(value: unknown, argument: string): string {
  if (typeof value === 'string') {
    const v = value.trim();
    if (UUID_HYPHENATED.test(v)) return v.toLowerCase();
    if (UUID_HEX.test(v)) {
      const h = v.toLowerCase();
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    }
  }
  const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 80)) : typeof value;
  throw new InvalidArgumentError(argument, `${argument} must be a UUID, got ${shown}`);
}

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_HYPHENATED.test(value);
}

/** Validate that `value` is one of `allowed` (exact match). */
export function oneOf<T extends string>(
  value: unknown,
  allowed: readonly T[],
  argument: string,
): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value))
    return value as T;
  throw new InvalidArgumentError(
    argument,
    `${argument} must be one of ${allowed.join(', ')}; got ${JSON.stringify(value)}`,
  );
}

export function nonEmptyString(value: unknown, argument: string): string {
  if (typeof value === 'string' && value.length > 0) return value;
  throw new InvalidArgumentError(argument, `${argument} must be a non-empty string`);
}
