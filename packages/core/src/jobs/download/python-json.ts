/**
 * Python `json.dumps` output with its default separators (`", "` and `": "`) and
 * `ensure_ascii=True`, for the files whose bytes the official client defines (spec §9.7, §10).
 */

/** A number the Python side holds as a float: printed as `1.0`, `1e+16`, `1.5e-05`. */
export class PyFloat {
  constructor(readonly value: number) {}
}

export function pythonJsonDumps(value: unknown): string {
  if (value instanceof PyFloat) return floatRepr(value.value);
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return floatRepr(value);
    return Number.isInteger(value) ? String(value) : floatRepr(value);
  }
  if (typeof value === 'string') return asciiString(value);
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(
      ([, v]) => v !== undefined,
    );
    return `{${entries.map(([k, v]) => `${asciiString(k)}: ${pythonJsonDumps(v)}`).join(', ')}}`;
  }
  return asciiString(String(value));
}

function asciiString(text: string): string {
  return escapeNonAscii(JSON.stringify(text));
}

/** `ensure_ascii=True`: every UTF-16 unit outside space..`~` of JSON text as `\uXXXX`. */
export function escapeNonAscii(json: string): string {
  return json.replace(
    /[\u007f-\uffff]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Python's `repr(float)`: shortest round-trip digits, exponent form below 1e-4 and from 1e16. */
export function floatRepr(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Number.POSITIVE_INFINITY) return 'Infinity';
  if (n === Number.NEGATIVE_INFINITY) return '-Infinity';
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  const [mantissa, exp] = n.toExponential().split('e') as [string, string];
  const exponent = Number(exp);
  if (exponent >= -4 && exponent < 16) {
    const fixed = n.toFixed(Math.max(0, (mantissa.split('.')[1]?.length ?? 0) - exponent));
    return fixed.includes('.') ? fixed : `${fixed}.0`;
  }
  const sign = exponent < 0 ? '-' : '+';
  return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
}
