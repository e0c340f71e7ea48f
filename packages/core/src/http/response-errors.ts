/**
 * Turns a non-2xx response into the matching error class, rendering messages after
 * spec §1.5. Server-provided text is passed through `scrub` before use.
 */
import {
  AuthenticationError,
  type ErrorContext,
  type GencoveError,
  HttpError,
  MaintenanceError,
  NotFoundError,
  PermissionError,
  RateLimitError,
  ServerError,
  ValidationError,
} from '../errors.js';
import { parseRetryAfter } from './retry.js';
import type { TransportResponse } from './transport.js';

export interface ResponseErrorContext {
  method: string;
  endpoint: string;
  scrub: (text: string) => string;
}

/** The DRF error body shapes of spec §1.5, normalised. */
export interface ParsedErrorBody {
  kind: 'empty' | 'non-json' | 'detail' | 'field-map' | 'list' | 'maintenance' | 'other';
  detail?: string;
  fieldErrors: Record<string, string[]>;
  messages: string[];
  maintenance?: { eta?: string; message?: string };
  contentType?: string;
}

function stringify(v: unknown): string {
  if (typeof v === 'string') return v;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

export function parseErrorBody(body: string, contentType?: string): ParsedErrorBody {
  const base = { fieldErrors: {}, messages: [], ...(contentType ? { contentType } : {}) };
  if (body.trim() === '') return { ...base, kind: 'empty' };
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ...base, kind: 'non-json' };
  }
  if (Array.isArray(json)) return { ...base, kind: 'list', messages: json.map(stringify) };
  if (json === null || typeof json !== 'object') {
    return { ...base, kind: 'other', messages: [stringify(json)] };
  }
  const obj = json as Record<string, unknown>;
  if (obj.maintenance === true) {
    return {
      ...base,
      kind: 'maintenance',
      maintenance: {
        ...(obj.maintenance_eta != null ? { eta: stringify(obj.maintenance_eta) } : {}),
        ...(obj.maintenance_message != null ? { message: stringify(obj.maintenance_message) } : {}),
      },
    };
  }
  if ('detail' in obj) {
    const detail = stringify(obj.detail);
    return { ...base, kind: 'detail', detail, messages: [detail] };
  }
  const fieldErrors: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(obj)) {
    fieldErrors[k] = Array.isArray(v) ? v.map(stringify) : [stringify(v)];
  }
  return { ...base, kind: 'field-map', fieldErrors };
}

const LABELS: Record<number, string> = {
  400: 'Bad request',
  401: 'Authentication failed',
  403: 'Permission denied',
  404: 'Not found',
  405: 'Method not allowed',
  409: 'Conflict',
  410: 'Gone',
  413: 'Request too large',
  415: 'Unsupported media type',
  422: 'Unprocessable request',
  429: 'Too many requests',
};

const REQUEST_ID_HEADERS = [
  'x-request-id',
  'x-amzn-requestid',
  'x-amz-request-id',
  'x-correlation-id',
];

export function requestIdOf(headers: Record<string, string>): string | undefined {
  for (const h of REQUEST_ID_HEADERS) {
    const v = headers[h];
    if (v) return v.slice(0, 200);
  }
  return undefined;
}

/** Render the body part of a message: `: detail`, or `:` + one line per field / message. */
export function renderErrorBody(parsed: ParsedErrorBody): string {
  switch (parsed.kind) {
    case 'detail':
    case 'other':
      return parsed.messages.length ? `: ${parsed.messages.join(' ')}` : '';
    case 'field-map': {
      const lines = Object.entries(parsed.fieldErrors).map(
        ([k, msgs]) => `\n  ${k}: ${msgs.join(' ')}`,
      );
      return `:${lines.join('')}`;
    }
    case 'list':
      return `:${parsed.messages.map((m) => `\n  ${m}`).join('')}`;
    case 'non-json':
      return `: (response body is not JSON${parsed.contentType ? `, content-type ${parsed.contentType}` : ''})`;
    default:
      return '';
  }
}

function scrubParsed(p: ParsedErrorBody, scrub: (s: string) => string): ParsedErrorBody {
  const fieldErrors: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(p.fieldErrors)) fieldErrors[scrub(k)] = v.map(scrub);
  return {
    ...p,
    fieldErrors,
    messages: p.messages.map(scrub),
    ...(p.detail !== undefined ? { detail: scrub(p.detail) } : {}),
    ...(p.maintenance
      ? {
          maintenance: {
            ...(p.maintenance.eta !== undefined ? { eta: scrub(p.maintenance.eta) } : {}),
            ...(p.maintenance.message !== undefined
              ? { message: scrub(p.maintenance.message) }
              : {}),
          },
        }
      : {}),
    ...(p.contentType !== undefined ? { contentType: scrub(p.contentType) } : {}),
  };
}

/** Build the error for a non-2xx response. */
export function errorFromResponse(res: TransportResponse, ctx: ResponseErrorContext): GencoveError {
  const parsed = scrubParsed(parseErrorBody(res.body, res.headers['content-type']), ctx.scrub);
  const requestId = requestIdOf(res.headers);
  const common: ErrorContext = {
    status: res.status,
    method: ctx.method,
    endpoint: ctx.endpoint,
    ...(requestId ? { requestId: ctx.scrub(requestId) } : {}),
    ...(parsed.detail !== undefined ? { detail: parsed.detail } : {}),
  };
  const where = `on ${ctx.method} ${ctx.endpoint}`;
  const status = res.status;
  const retryAfterMs =
    status === 429 || status >= 500 ? parseRetryAfter(res.headers['retry-after']) : undefined;
  const retryAfter = retryAfterMs !== undefined ? { retryAfterMs } : {};

  if (status === 503 && parsed.kind === 'maintenance') {
    const m = parsed.maintenance ?? {};
    const text = [m.message ?? 'The Gencove API is under maintenance.'];
    if (m.eta) text.push(`ETA is ${m.eta}.`);
    return new MaintenanceError(`Gencove is under maintenance (503) ${where}: ${text.join(' ')}`, {
      ...common,
      ...(m.eta !== undefined ? { eta: m.eta } : {}),
      ...(m.message !== undefined ? { maintenanceMessage: m.message } : {}),
      ...retryAfter,
    });
  }
  if (status >= 500) {
    return new ServerError(`Server error (${status} ${res.reason}) ${where}`, {
      ...common,
      ...retryAfter,
    });
  }
  const label = LABELS[status] ?? res.reason;
  const rendered = renderErrorBody(parsed);
  const message = `${label} (${status}) ${where}${rendered}`;
  switch (status) {
    case 401:
      return new AuthenticationError(message, { ...common, fieldErrors: parsed.fieldErrors });
    case 403:
      return new PermissionError(
        rendered ? message : `${message}: insufficient permission level for this operation`,
        common,
      );
    case 404:
      return new NotFoundError(message, common);
    case 429:
      return new RateLimitError(message, { ...common, ...retryAfter });
    case 400:
    case 409:
    case 422:
      return new ValidationError(message, {
        ...common,
        fieldErrors: parsed.fieldErrors,
        messages: parsed.messages,
      });
    default:
      return new HttpError(message, common);
  }
}
