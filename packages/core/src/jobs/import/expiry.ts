/**
 * Reads when a presigned URL stops working, from its query string alone (nothing is fetched).
 * Gencove fetches imported URLs only when the sample runs, so an expiry found here is the
 * deadline for the whole analysis queue, not for the submission.
 */

export type SignatureScheme = 'aws-sigv4' | 'aws-sigv2' | 'gcs-v4' | 'gcs-v2' | 'azure-sas';

export type ExpiryReading =
  /** No signature parameters: a public or otherwise authorised URL. */
  | { kind: 'unsigned' }
  | {
      kind: 'expires';
      scheme: SignatureScheme;
      expiresAt: Date;
      signedAt?: Date;
      lifetimeMs?: number;
      /** Signed with a session token: the URL dies with the session, which may be sooner. */
      temporaryCredentials?: boolean;
    }
  /** Signed, but the expiry is not in the URL (Azure SAS bound to a stored access policy). */
  | { kind: 'unknown'; scheme: SignatureScheme; why: string }
  | { kind: 'malformed'; scheme: SignatureScheme; why: string };

/** S3 and GCS refuse V4 presigned URLs valid for longer than 7 days. */
export const MAX_V4_LIFETIME_SECONDS = 604_800;

/** Query parameters by lower-cased name (first occurrence wins, values decoded). */
function queryOf(url: URL): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, value] of url.searchParams) {
    const key = name.toLowerCase();
    if (!out.has(key)) out.set(key, value);
  }
  return out;
}

/** `20260105T091403Z` (SigV4 / GCS V4 request date). */
function parseCompactDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  // Reject overflowing fields (month 13, day 32…), which Date.UTC would silently roll over.
  return date.getUTCMonth() === mo - 1 && date.getUTCDate() === d && h < 24 && mi < 60 && s < 60
    ? date
    : undefined;
}

/** Azure `se`/`st`: `YYYY-MM-DD`, `YYYY-MM-DDThh:mmTZD` or `YYYY-MM-DDThh:mm:ss[.fff]TZD`. */
function parseAzureDate(value: string): Date | undefined {
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const dateTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})$/.test(
    value,
  );
  if (!dateOnly && !dateTime) return undefined;
  // Date.parse handles at most milliseconds.
  const normalised = dateOnly ? `${value}T00:00:00Z` : value.replace(/(\.\d{3})\d+/, '$1');
  const ms = Date.parse(normalised);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

function parseSeconds(value: string | undefined): number | undefined {
  return value !== undefined && /^\d{1,12}$/.test(value) ? Number(value) : undefined;
}

function v4(
  q: Map<string, string>,
  scheme: 'aws-sigv4' | 'gcs-v4',
  prefix: 'x-amz' | 'x-goog',
): ExpiryReading {
  const dateName = prefix === 'x-amz' ? 'X-Amz-Date' : 'X-Goog-Date';
  const expiresName = prefix === 'x-amz' ? 'X-Amz-Expires' : 'X-Goog-Expires';
  const rawDate = q.get(`${prefix}-date`);
  const rawExpires = q.get(`${prefix}-expires`);
  if (rawDate === undefined || rawExpires === undefined) {
    return { kind: 'malformed', scheme, why: `${dateName} and ${expiresName} are both required` };
  }
  const signedAt = parseCompactDate(rawDate);
  if (!signedAt)
    return { kind: 'malformed', scheme, why: `${dateName} is not a date like 20260105T091403Z` };
  const seconds = parseSeconds(rawExpires);
  if (seconds === undefined)
    return { kind: 'malformed', scheme, why: `${expiresName} is not a number of seconds` };
  const lifetimeMs = seconds * 1000;
  return {
    kind: 'expires',
    scheme,
    signedAt,
    lifetimeMs,
    expiresAt: new Date(signedAt.getTime() + lifetimeMs),
    ...(q.has(`${prefix}-security-token`) ? { temporaryCredentials: true } : {}),
  };
}

function epoch(q: Map<string, string>, scheme: 'aws-sigv2' | 'gcs-v2'): ExpiryReading {
  const seconds = parseSeconds(q.get('expires'));
  if (seconds === undefined)
    return { kind: 'malformed', scheme, why: 'Expires is not a Unix time in seconds' };
  return { kind: 'expires', scheme, expiresAt: new Date(seconds * 1000) };
}

/** Recognises AWS S3 (SigV4, legacy SigV2), Google Cloud Storage (V4, V2) and Azure SAS URLs. */
export function readUrlExpiry(url: URL): ExpiryReading {
  const q = queryOf(url);
  if (q.has('x-amz-algorithm') || q.has('x-amz-signature') || q.has('x-amz-date')) {
    return v4(q, 'aws-sigv4', 'x-amz');
  }
  if (q.has('x-goog-algorithm') || q.has('x-goog-signature') || q.has('x-goog-date')) {
    return v4(q, 'gcs-v4', 'x-goog');
  }
  if (q.has('awsaccesskeyid') && q.has('signature')) return epoch(q, 'aws-sigv2');
  if (q.has('googleaccessid') && q.has('signature')) return epoch(q, 'gcs-v2');
  if (q.has('sig') && (q.has('sv') || q.has('se') || q.has('sp'))) {
    const se = q.get('se');
    if (se === undefined) {
      return q.has('si')
        ? {
            kind: 'unknown',
            scheme: 'azure-sas',
            why: 'its expiry is set by a stored access policy (si=), not in the URL',
          }
        : { kind: 'malformed', scheme: 'azure-sas', why: 'the SAS has no expiry (se=)' };
    }
    const expiresAt = parseAzureDate(se);
    if (!expiresAt)
      return { kind: 'malformed', scheme: 'azure-sas', why: 'se= is not an ISO 8601 UTC time' };
    const st = q.get('st');
    const signedAt = st === undefined ? undefined : parseAzureDate(st);
    return { kind: 'expires', scheme: 'azure-sas', expiresAt, ...(signedAt ? { signedAt } : {}) };
  }
  return { kind: 'unsigned' };
}

export const SCHEME_LABELS: Record<SignatureScheme, string> = {
  'aws-sigv4': 'AWS S3 presigned URL',
  'aws-sigv2': 'AWS S3 presigned URL (SigV2)',
  'gcs-v4': 'Google Cloud Storage signed URL',
  'gcs-v2': 'Google Cloud Storage signed URL (V2)',
  'azure-sas': 'Azure SAS URL',
};

/** `2d 4h`, `3h 12m`, `45m`, `30s` — two units at most. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const parts: Array<[number, string]> = [
    [Math.floor(s / 86_400), 'd'],
    [Math.floor((s % 86_400) / 3600), 'h'],
    [Math.floor((s % 3600) / 60), 'm'],
    [s % 60, 's'],
  ];
  const first = parts.findIndex(([n]) => n > 0);
  if (first === -1) return '0s';
  return parts
    .slice(first, first + 2)
    .filter(([n]) => n > 0)
    .map(([n, unit]) => `${n}${unit}`)
    .join(' ');
}
