/**
 * Webhook signatures (spec §12): header `Gencove-Signature: t=<unix seconds>,v1=<hex>`,
 * HMAC-SHA512 over `<t>.<raw body>` keyed with the UTF-8 secret.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { WebhookSignatureError } from './errors.js';

export const WEBHOOK_SIGNATURE_HEADER = 'Gencove-Signature';

export interface ParsedSignatureHeader {
  /** The `t` value exactly as sent. */
  timestamp: string;
  /** Every `v1` value (normally one). */
  signatures: string[];
  /** All key/value items, in order. */
  items: Array<[string, string]>;
}

/**
 * Parse `t=…,v1=…`: comma-separated `key=value` items, whitespace around items
 * tolerated, values may be double-quoted. Both `t` and `v1` must be present.
 */
export function parseSignatureHeader(header: string): ParsedSignatureHeader {
  if (typeof header !== 'string' || header.trim() === '') {
    throw new WebhookSignatureError('malformed-header', 'Signature header is empty');
  }
  const items: Array<[string, string]> = [];
  for (const raw of header.split(',')) {
    const part = raw.trim();
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) {
      throw new WebhookSignatureError('malformed-header', 'Signature header item is not key=value');
    }
    const key = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"'))
      value = value.slice(1, -1);
    items.push([key, value]);
  }
  const timestamp = items.find(([k]) => k === 't')?.[1];
  const signatures = items.filter(([k]) => k === 'v1').map(([, v]) => v);
  if (timestamp === undefined || timestamp === '') {
    throw new WebhookSignatureError('missing-timestamp', 'Signature header has no "t" item');
  }
  if (signatures.length === 0) {
    throw new WebhookSignatureError('missing-signature', 'Signature header has no "v1" item');
  }
  return { timestamp, signatures, items };
}

/** Compute the `v1` hex digest for a timestamp and raw body. */
export function computeWebhookSignature(
  secret: string,
  body: string | Uint8Array,
  timestamp: string | number,
): string {
  const hmac = createHmac('sha512', Buffer.from(secret, 'utf8'));
  hmac.update(Buffer.from(`${timestamp}.`, 'utf8'));
  hmac.update(typeof body === 'string' ? Buffer.from(body, 'utf8') : body);
  return hmac.digest('hex');
}

/** Produce a `Gencove-Signature` header value (for tests and emulators). */
export function signWebhook(
  secret: string,
  body: string | Uint8Array,
  timestamp: number | string = Math.floor(Date.now() / 1000),
): string {
  return `t=${timestamp},v1=${computeWebhookSignature(secret, body, timestamp)}`;
}

export interface VerifyWebhookOptions {
  secret: string;
  /** The `Gencove-Signature` header value. */
  header: string;
  /** The raw request body exactly as received. */
  body: string | Uint8Array;
  /**
   * Maximum allowed |now − t| in seconds. Default: no check (like the reference CLI);
   * receivers exposed to the internet should pass e.g. 300.
   */
  toleranceSeconds?: number;
  /** Clock for the tolerance check, in ms. Default `Date.now()`. */
  now?: number;
}

export interface VerifiedWebhook {
  valid: true;
  /** `t` as a number of Unix seconds. */
  timestamp: number;
  /** The matching `v1` value. */
  signature: string;
}

/**
 * Verify a webhook signature with a constant-time comparison. Returns the parsed
 * result or throws {@link WebhookSignatureError} (`reason` tells why). The secret
 * never appears in errors.
 */
export function verifyWebhookSignature(options: VerifyWebhookOptions): VerifiedWebhook {
  const parsed = parseSignatureHeader(options.header);
  const expected = Buffer.from(
    computeWebhookSignature(options.secret, options.body, parsed.timestamp),
    'utf8',
  );
  const match = parsed.signatures.find((sig) => {
    const given = Buffer.from(sig.toLowerCase(), 'utf8');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!match) {
    throw new WebhookSignatureError('signature-mismatch', 'Webhook signature does not match');
  }
  const ts = Number(parsed.timestamp);
  if (options.toleranceSeconds !== undefined) {
    const nowSec = (options.now ?? Date.now()) / 1000;
    if (!Number.isFinite(ts) || Math.abs(nowSec - ts) > options.toleranceSeconds) {
      throw new WebhookSignatureError(
        'timestamp-outside-tolerance',
        `Webhook timestamp is outside the allowed tolerance of ${options.toleranceSeconds} s`,
      );
    }
  }
  return { valid: true, timestamp: ts, signature: match };
}
