/**
 * Redaction helpers. Everything that leaves the client as text (error messages,
 * error properties, debug events) goes through these functions.
 */

export const REDACTED = '[REDACTED]';

/** Query parameters whose values are credentials or signatures (compared case-insensitively). */
const SENSITIVE_QUERY_PARAMS = new Set([
  'x-amz-signature',
  'x-amz-credential',
  'x-amz-security-token',
  'x-goog-signature',
  'x-goog-credential',
  'x-goog-security-token',
  'signature',
  'sig',
  'se',
  'sp',
  'sv',
  'skoid',
  'sktid',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'api_key',
  'apikey',
  'api-key',
  'key',
  'password',
  'secret',
  'awsaccesskeyid',
  'policy',
  'otp_token',
]);

/** JSON keys whose values are secrets (compared case-insensitively). */
const SENSITIVE_KEYS = new Set([
  'password',
  'access',
  'refresh',
  'token',
  'secret',
  'secret_key',
  'access_key',
  'session_token',
  'otp_token',
  'otp',
  'api_key',
  'apikey',
  'authorization',
  'cookie',
  'set-cookie',
  'proxy-authorization',
  'x-amz-security-token',
  'x-api-key',
]);

/** Headers whose values are credentials (compared case-insensitively). */
const SENSITIVE_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-amz-security-token',
  'x-api-key',
]);

const JWT_PATTERN = /eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*/g;
const AUTH_SCHEME_PATTERN = /\b(Api-Key|Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g;
const URL_PATTERN = /\bhttps?:\/\/[^\s"'<>]+/gi;
const QUERY_PAIR_PATTERN = /([?&])([^=&#\s"']+)=([^&#\s"']*)/g;

export function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEYS.has(key.toLowerCase());
}

export function isSensitiveQueryParam(name: string): boolean {
  return SENSITIVE_QUERY_PARAMS.has(name.toLowerCase());
}

/**
 * Redact credential-bearing query parameters and userinfo of a URL. Works on
 * absolute and relative URLs and never throws; the result keeps the original
 * shape so it stays readable.
 */
export function redactUrl(url: string | URL): string {
  let text = typeof url === 'string' ? url : url.href;
  // userinfo (`https://user:pass@host`)
  text = text.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^/@\s]*)@/i, `$1${REDACTED}@`);
  return text.replace(QUERY_PAIR_PATTERN, (whole, sep: string, name: string) => {
    let decoded = name;
    try {
      decoded = decodeURIComponent(name);
    } catch {
      // keep raw name
    }
    return isSensitiveQueryParam(decoded) ? `${sep}${name}=${REDACTED}` : whole;
  });
}

/** The path of a URL without query or fragment (what errors keep as `endpoint`). */
export function pathOf(url: string | URL): string {
  try {
    const u = typeof url === 'string' ? new URL(url, 'http://placeholder.invalid') : url;
    return u.pathname;
  } catch {
    const text = String(url);
    const cut = text.search(/[?#]/);
    return cut === -1 ? text : text.slice(0, cut);
  }
}

/** Redact sensitive headers. Authorization keeps its scheme (`Bearer [REDACTED]`). */
export function redactHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    if (SENSITIVE_HEADERS.has(lower)) {
      if (lower === 'authorization' || lower === 'proxy-authorization') {
        const v = Array.isArray(value) ? (value[0] ?? '') : value;
        const scheme = /^(\S+)\s/.exec(v)?.[1];
        out[name] = scheme ? `${scheme} ${REDACTED}` : REDACTED;
      } else {
        out[name] = REDACTED;
      }
    } else {
      out[name] = Array.isArray(value) ? value.map((v) => redactString(v)) : redactString(value);
    }
  }
  return out;
}

/**
 * Pattern-based redaction of free text: JWT-looking tokens, `Api-Key …` / `Bearer …`
 * credentials and signature parameters in URLs.
 */
export function redactString(text: string): string {
  return text
    .replace(URL_PATTERN, (u) => redactUrl(u))
    .replace(QUERY_PAIR_PATTERN, (whole, sep: string, name: string) =>
      isSensitiveQueryParam(name) ? `${sep}${name}=${REDACTED}` : whole,
    )
    .replace(AUTH_SCHEME_PATTERN, (_m, scheme: string) => `${scheme} ${REDACTED}`)
    .replace(JWT_PATTERN, REDACTED);
}

/**
 * Deep copy of a JSON-like value with sensitive keys replaced and every string
 * passed through {@link redactString}. Cycles are cut; depth is bounded.
 */
export function redactBody(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return redactString(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 20 || seen.has(value)) return '[…]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => redactBody(v, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] =
      isSensitiveKey(k) && v !== null && v !== undefined
        ? REDACTED
        : redactBody(v, depth + 1, seen);
  }
  return out;
}

/**
 * Remembers the secret values a client knows (API key, password, JWTs, S3 session
 * credentials, OTPs) and scrubs them from any text, in addition to the pattern rules.
 * Values shorter than 3 characters are ignored (they would destroy messages).
 */
export class SecretScrubber {
  readonly #secrets = new Set<string>();

  add(...values: Array<string | null | undefined>): void {
    for (const v of values) {
      if (typeof v === 'string' && v.length >= 3) {
        this.#secrets.add(v);
        // also catch URL-encoded and JSON-escaped forms
        const enc = encodeURIComponent(v);
        if (enc !== v) this.#secrets.add(enc);
        const json = JSON.stringify(v).slice(1, -1);
        if (json !== v) this.#secrets.add(json);
      }
    }
  }

  /** Scrub known secrets and pattern-matched credentials from text. */
  text(input: string): string {
    let out = input;
    // longest first so that a secret containing another one is removed whole
    const sorted = [...this.#secrets].sort((a, b) => b.length - a.length);
    for (const s of sorted) {
      if (out.includes(s)) out = out.split(s).join(REDACTED);
    }
    return redactString(out);
  }

  /** Deep-redact a JSON-like value and scrub known secrets from its strings. */
  value(input: unknown): unknown {
    const redacted = redactBody(input);
    return this.#deepScrub(redacted, 0);
  }

  #deepScrub(v: unknown, depth: number): unknown {
    if (typeof v === 'string') return this.text(v);
    if (v === null || typeof v !== 'object' || depth > 20) return v;
    if (Array.isArray(v)) return v.map((x) => this.#deepScrub(x, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[this.text(k)] = this.#deepScrub(x, depth + 1);
    return out;
  }
}
