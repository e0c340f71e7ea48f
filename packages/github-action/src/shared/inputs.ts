import { normalizeUuid } from '@gencove/core';
import { parseDurationMs } from './duration.js';
import { parseShard, type Shard } from './shard.js';

/** An action input is missing or malformed; the message names the input. Nothing was sent. */
export class InputError extends Error {
  readonly code = 'ERR_GENCOVE_INPUT';
  readonly input: string;
  constructor(input: string, message: string) {
    super(`Input "${input}": ${message}`);
    this.name = 'InputError';
    this.input = input;
  }
}

/** Reads one raw input by its action.yml name ('' when not given), e.g. `core.getInput`. */
export type GetInput = (name: string) => string;

/**
 * Typed readers over the runner's `INPUT_*` values. Every reader trims, treats '' as "not given"
 * and throws {@link InputError} naming the input when the value cannot be used.
 */
export class Inputs {
  readonly #get: GetInput;

  constructor(get: GetInput) {
    this.#get = get;
  }

  string(name: string): string | undefined {
    const value = this.#get(name).trim();
    return value === '' ? undefined : value;
  }

  /** Like {@link string} but keeps surrounding whitespace (passwords). */
  raw(name: string): string | undefined {
    const value = this.#get(name);
    return value === '' ? undefined : value;
  }

  required(name: string): string {
    const value = this.string(name);
    if (value === undefined) throw new InputError(name, 'is required.');
    return value;
  }

  /** Non-empty lines, trimmed; lines starting with `#` are comments. */
  lines(name: string): string[] {
    return this.#get(name)
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
  }

  /** YAML 1.2 core-schema booleans, as `core.getBooleanInput` accepts them. */
  boolean(name: string, fallback: boolean): boolean {
    const value = this.string(name);
    if (value === undefined) return fallback;
    if (['true', 'True', 'TRUE'].includes(value)) return true;
    if (['false', 'False', 'FALSE'].includes(value)) return false;
    throw new InputError(name, `must be true or false; got ${JSON.stringify(value)}.`);
  }

  choice<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.string(name);
    if (value === undefined) return fallback;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    throw new InputError(
      name,
      `must be one of ${allowed.join(', ')}; got ${JSON.stringify(value)}.`,
    );
  }

  /** Comma/newline separated subset of `allowed`; `fallback` when not given. */
  choices<T extends string>(name: string, allowed: readonly T[], fallback: T[]): T[] {
    const items = this.list(name);
    if (items.length === 0) return fallback;
    for (const item of items) {
      if (!(allowed as readonly string[]).includes(item)) {
        throw new InputError(
          name,
          `"${item}" is not one of ${allowed.join(', ')} (separate several with commas).`,
        );
      }
    }
    return [...new Set(items)] as T[];
  }

  /** Items separated by commas, whitespace or newlines. */
  list(name: string): string[] {
    return (this.string(name) ?? '').split(/[\s,]+/).filter((item) => item !== '');
  }

  integer(
    name: string,
    options: { min: number; max: number; fallback?: number },
  ): number | undefined {
    const value = this.string(name);
    if (value === undefined) return options.fallback;
    if (!/^\d+$/.test(value) || Number(value) < options.min || Number(value) > options.max) {
      throw new InputError(
        name,
        `must be a whole number from ${options.min} to ${options.max}; got ${JSON.stringify(value)}.`,
      );
    }
    return Number(value);
  }

  uuid(name: string): string | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    try {
      return normalizeUuid(value, name);
    } catch {
      throw new InputError(name, `must be a UUID; got ${JSON.stringify(value.slice(0, 80))}.`);
    }
  }

  /**
   * Sample IDs as a list (commas, spaces or newlines), a JSON array of IDs, or the JSON output of
   * an earlier step: `samples` of upload/import-urls (objects with `sample`) or `statuses` of
   * wait (objects with `id`).
   */
  sampleIds(name: string): string[] {
    const value = this.string(name);
    if (value === undefined) return [];
    const candidates = value.startsWith('[') ? idsFromJson(name, value) : this.list(name);
    const ids = candidates.map((id) => {
      try {
        return normalizeUuid(id, name);
      } catch {
        throw new InputError(name, `${JSON.stringify(id.slice(0, 80))} is not a sample ID (UUID).`);
      }
    });
    return [...new Set(ids)];
  }

  /** Any JSON value (metadata is applied as given, spec §6.1). */
  json(name: string): { given: false } | { given: true; value: unknown } {
    const value = this.string(name);
    if (value === undefined) return { given: false };
    try {
      return { given: true, value: JSON.parse(value) as unknown };
    } catch (error) {
      throw new InputError(name, `must be JSON: ${(error as Error).message}.`);
    }
  }

  /** Durations such as `90s`, `45m`, `6h`, `1h30m`, `2d` or a number of seconds. */
  durationMs(name: string): number | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    const ms = parseDurationMs(value);
    if (ms === undefined) {
      throw new InputError(
        name,
        `must be a duration such as 90s, 45m, 6h, 1h30m or a number of seconds; got ${JSON.stringify(value)}.`,
      );
    }
    return ms;
  }

  shard(name: string): Shard | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    const shard = parseShard(value);
    if (!shard) {
      throw new InputError(
        name,
        `must be INDEX/TOTAL with 1 <= INDEX <= TOTAL <= 256, e.g. 2/8; got ${JSON.stringify(value)}.`,
      );
    }
    return shard;
  }
}

function idsFromJson(name: string, text: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InputError(name, `looks like JSON but does not parse: ${(error as Error).message}.`);
  }
  if (!Array.isArray(parsed)) throw new InputError(name, 'JSON must be an array.');
  return parsed.map((item, index) => {
    if (typeof item === 'string') return item;
    if (item && typeof item === 'object') {
      const record = item as Record<string, unknown>;
      const id = typeof record.sample === 'string' ? record.sample : record.id;
      if (typeof id === 'string') return id;
    }
    throw new InputError(
      name,
      `item ${index} is neither an ID nor an object with a "sample" or "id" field.`,
    );
  });
}
