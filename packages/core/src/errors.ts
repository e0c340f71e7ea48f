/**
 * Error classes. One class per failure kind, each with a stable `code`.
 *
 * Invariant: no property of these errors (message, stack, cause, toJSON, inspect output)
 * contains credentials. Messages built from server responses are scrubbed by the
 * client before the error is constructed; `endpoint` is a path without query.
 */

export type GencoveErrorCode =
  | 'ERR_GENCOVE'
  | 'ERR_GENCOVE_CONFIG'
  | 'ERR_GENCOVE_INVALID_ARGUMENT'
  | 'ERR_GENCOVE_AUTH'
  | 'ERR_GENCOVE_OTP_REQUIRED'
  | 'ERR_GENCOVE_FORBIDDEN'
  | 'ERR_GENCOVE_NOT_FOUND'
  | 'ERR_GENCOVE_VALIDATION'
  | 'ERR_GENCOVE_HTTP'
  | 'ERR_GENCOVE_RATE_LIMITED'
  | 'ERR_GENCOVE_MAINTENANCE'
  | 'ERR_GENCOVE_SERVER'
  | 'ERR_GENCOVE_NETWORK'
  | 'ERR_GENCOVE_TIMEOUT'
  | 'ERR_GENCOVE_RESPONSE'
  | 'ERR_GENCOVE_ABORTED'
  | 'ERR_GENCOVE_WEBHOOK_SIGNATURE';

/** Request context attached to errors. `endpoint` is the URL path only. */
export interface ErrorContext {
  status?: number;
  method?: string;
  endpoint?: string;
  requestId?: string;
  /** Server-provided explanation (`detail`), already scrubbed. */
  detail?: string;
  /** Underlying error; the client only passes sanitised copies. */
  cause?: unknown;
}

export class GencoveError extends Error {
  readonly code: GencoveErrorCode;
  declare readonly status?: number;
  declare readonly method?: string;
  declare readonly endpoint?: string;
  declare readonly requestId?: string;
  declare readonly detail?: string;
  /** True when repeating the same request later may succeed (429, 5xx, transport). */
  readonly retryable: boolean;

  constructor(
    message: string,
    options: ErrorContext & { code?: GencoveErrorCode; retryable?: boolean } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code ?? 'ERR_GENCOVE';
    this.retryable = options.retryable ?? false;
    if (options.status !== undefined) this.status = options.status;
    if (options.method !== undefined) this.method = options.method;
    if (options.endpoint !== undefined) this.endpoint = options.endpoint;
    if (options.requestId !== undefined) this.requestId = options.requestId;
    if (options.detail !== undefined) this.detail = options.detail;
  }

  /** Plain, credential-free representation (used by `JSON.stringify`). */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = {
      name: this.name,
      code: this.code,
      message: this.message,
    };
    for (const [k, v] of Object.entries(this)) {
      if (v !== undefined && k !== 'cause') out[k] = v;
    }
    if (this.cause instanceof Error) {
      out.cause = {
        name: this.cause.name,
        message: this.cause.message,
        ...('code' in this.cause ? { code: (this.cause as { code: unknown }).code } : {}),
      };
    }
    return out;
  }
}

/** Invalid configuration (host, conflicting credentials, …). */
export class ConfigError extends GencoveError {
  constructor(message: string, options: ErrorContext = {}) {
    super(message, { ...options, code: 'ERR_GENCOVE_CONFIG' });
  }
}

/** A method argument was rejected before any request was sent. */
export class InvalidArgumentError extends GencoveError {
  readonly argument: string;
  constructor(argument: string, message: string) {
    super(message, { code: 'ERR_GENCOVE_INVALID_ARGUMENT' });
    this.argument = argument;
  }
}

/** 401: bad credentials, expired session, failed refresh. */
export class AuthenticationError extends GencoveError {
  /** Field map of the body, when the server sent one (e.g. `otp_token` on login). */
  declare readonly fieldErrors?: Record<string, string[]>;
  constructor(
    message: string,
    options: ErrorContext & { fieldErrors?: Record<string, string[]> } = {},
  ) {
    super(message, { ...options, code: 'ERR_GENCOVE_AUTH' });
    if (options.fieldErrors && Object.keys(options.fieldErrors).length > 0) {
      this.fieldErrors = options.fieldErrors;
    }
  }
}

/** Login needs a one-time password and no `otp` callback was supplied. */
export class OtpRequiredError extends GencoveError {
  constructor(message: string, options: ErrorContext = {}) {
    super(message, { ...options, code: 'ERR_GENCOVE_OTP_REQUIRED' });
  }
}

/** 403. */
export class PermissionError extends GencoveError {
  constructor(message: string, options: ErrorContext = {}) {
    super(message, { ...options, code: 'ERR_GENCOVE_FORBIDDEN' });
  }
}

/** 404. */
export class NotFoundError extends GencoveError {
  constructor(message: string, options: ErrorContext = {}) {
    super(message, { ...options, code: 'ERR_GENCOVE_NOT_FOUND' });
  }
}

/** 400 / 409 / 422: the server rejected the request content. */
export class ValidationError extends GencoveError {
  /** Field map errors (`{"field": ["msg", …]}`); `non_field_errors` included as sent. */
  readonly fieldErrors: Record<string, string[]>;
  /** Messages of a bare-list body, or the `detail` message. */
  readonly messages: string[];
  constructor(
    message: string,
    options: ErrorContext & { fieldErrors?: Record<string, string[]>; messages?: string[] } = {},
  ) {
    super(message, { ...options, code: 'ERR_GENCOVE_VALIDATION' });
    this.fieldErrors = options.fieldErrors ?? {};
    this.messages = options.messages ?? [];
  }
}

/** Any other non-2xx status without a dedicated class (405, 410, 413, …). */
export class HttpError extends GencoveError {
  constructor(message: string, options: ErrorContext = {}) {
    super(message, { ...options, code: 'ERR_GENCOVE_HTTP' });
  }
}

/** 429. `retryAfterMs` is the parsed `Retry-After` header, when present. */
export class RateLimitError extends GencoveError {
  declare readonly retryAfterMs?: number;
  constructor(message: string, options: ErrorContext & { retryAfterMs?: number } = {}) {
    super(message, { ...options, code: 'ERR_GENCOVE_RATE_LIMITED', retryable: true });
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }
}

/** 503 with a `{"maintenance": true, …}` body. */
export class MaintenanceError extends GencoveError {
  /** `maintenance_eta` verbatim (often a naive timestamp, see spec §1.8). */
  declare readonly eta?: string;
  declare readonly maintenanceMessage?: string;
  /** The response's `Retry-After`, when it sent one. */
  declare readonly retryAfterMs?: number;
  constructor(
    message: string,
    options: ErrorContext & {
      eta?: string;
      maintenanceMessage?: string;
      retryAfterMs?: number;
    } = {},
  ) {
    super(message, { ...options, code: 'ERR_GENCOVE_MAINTENANCE', retryable: false });
    if (options.eta !== undefined) this.eta = options.eta;
    if (options.maintenanceMessage !== undefined)
      this.maintenanceMessage = options.maintenanceMessage;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }
}

/** 5xx other than maintenance. */
export class ServerError extends GencoveError {
  /** The response's `Retry-After` (RFC 9110 allows it on 503), when it sent one. */
  declare readonly retryAfterMs?: number;
  constructor(message: string, options: ErrorContext & { retryAfterMs?: number } = {}) {
    super(message, { ...options, code: 'ERR_GENCOVE_SERVER', retryable: true });
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }
}

/** How long the server asked us to wait (`Retry-After` of a 429 or 5xx), if it did. */
export function retryAfterOf(error: unknown): number | undefined {
  if (
    error instanceof RateLimitError ||
    error instanceof ServerError ||
    error instanceof MaintenanceError
  ) {
    return error.retryAfterMs;
  }
  return undefined;
}

/** Connection refused / reset / DNS failure / connection closed mid-response. */
export class NetworkError extends GencoveError {
  /** System or undici error code (`ECONNREFUSED`, `UND_ERR_SOCKET`, …). */
  declare readonly networkCode?: string;
  /** False when the request certainly never reached the server (refused, DNS). */
  readonly requestSent: boolean;
  constructor(
    message: string,
    options: ErrorContext & { networkCode?: string; requestSent?: boolean } = {},
  ) {
    super(message, { ...options, code: 'ERR_GENCOVE_NETWORK', retryable: true });
    if (options.networkCode !== undefined) this.networkCode = options.networkCode;
    this.requestSent = options.requestSent ?? true;
  }
}

export type TimeoutPhase = 'connect' | 'headers' | 'body';

/** No connection / response headers / body data within the configured time. */
export class TimeoutError extends GencoveError {
  readonly phase: TimeoutPhase;
  declare readonly timeoutMs?: number;
  constructor(
    message: string,
    options: ErrorContext & { phase: TimeoutPhase; timeoutMs?: number },
  ) {
    super(message, { ...options, code: 'ERR_GENCOVE_TIMEOUT', retryable: true });
    this.phase = options.phase;
    if (options.timeoutMs !== undefined) this.timeoutMs = options.timeoutMs;
  }
}

/** A 2xx response whose body is not JSON or lacks a required field. */
export class ResponseShapeError extends GencoveError {
  /** Dotted path of the offending field (`results[3].id`), when known. */
  declare readonly field?: string;
  constructor(message: string, options: ErrorContext & { field?: string } = {}) {
    super(message, { ...options, code: 'ERR_GENCOVE_RESPONSE' });
    if (options.field !== undefined) this.field = options.field;
  }
}

/** The caller's AbortSignal fired. */
export class AbortError extends GencoveError {
  constructor(message = 'The operation was aborted', options: ErrorContext = {}) {
    super(message, { ...options, code: 'ERR_GENCOVE_ABORTED' });
  }
}

export type WebhookSignatureFailure =
  | 'malformed-header'
  | 'missing-timestamp'
  | 'missing-signature'
  | 'signature-mismatch'
  | 'timestamp-outside-tolerance';

/** Webhook signature verification failed. */
export class WebhookSignatureError extends GencoveError {
  readonly reason: WebhookSignatureFailure;
  constructor(reason: WebhookSignatureFailure, message: string) {
    super(message, { code: 'ERR_GENCOVE_WEBHOOK_SIGNATURE' });
    this.reason = reason;
  }
}

export function isGencoveError(e: unknown): e is GencoveError {
  return e instanceof GencoveError;
}
