/**
 * THE retry policy of the client — every retry decision is made here.
 *
 * Defaults (see README "Retry policy"):
 * - up to 4 attempts and 60 s in total per call (first attempt included);
 * - full-jitter exponential backoff: before retry n (n = 0, 1, …) wait a uniformly
 *   random time in [0, min(maxDelayMs, baseDelayMs · 2^n)) — with the 1 s base this is
 *   the reference client's `[0, 2^n)` seconds;
 * - 429 and 5xx honour `Retry-After` (seconds or HTTP date) up to `maxRetryAfterMs`; a
 *   longer wait is not slept through — the error is raised at once;
 * - 5xx, connection errors and timeouts are retried only when repeating the request is
 *   safe (idempotent method or endpoint), 429 / refused connections / connect timeouts
 *   always (the server never processed the request);
 * - 503 maintenance is NOT retried unless `retryMaintenance` is set;
 * - per-endpoint overrides from spec §1.6 live in {@link DEFAULT_ENDPOINT_RETRY_RULES}.
 */
import { setTimeout as delay } from 'node:timers/promises';
import {
  AbortError,
  type GencoveError,
  MaintenanceError,
  NetworkError,
  RateLimitError,
  ResponseShapeError,
  retryAfterOf,
  ServerError,
  TimeoutError,
} from '../errors.js';

export type RetryReason =
  | 'rate-limited'
  | 'server-error'
  | 'maintenance'
  | 'network'
  | 'timeout'
  | 'incomplete-response';

export interface RetryLimit {
  /** Maximum number of attempts, first attempt included. `Infinity` = bounded by time only. */
  maxAttempts?: number;
  /** Maximum time since the first attempt started, in ms. */
  maxElapsedMs?: number;
}

export interface EndpointRetryRule {
  /** Short name used in docs and events. */
  name: string;
  /** HTTP method (upper case) or `*`. */
  method: string;
  /** Matched against the URL path. */
  path: RegExp;
  /** Whether the server tolerates a repeated request after an ambiguous failure. */
  idempotent?: boolean;
  /** Per-reason limits; `false` disables that reason; missing → the policy defaults. */
  reasons?: Partial<Record<RetryReason, RetryLimit | false>>;
}

export interface RetryPolicyOptions {
  /** Default attempt limit per call, first attempt included. Default 4. */
  maxAttempts: number;
  /** Default time budget per call in ms. Default 60 000. */
  maxElapsedMs: number;
  /** Backoff base. Default 1 000 ms. */
  baseDelayMs: number;
  /** Upper bound of a single backoff window. Default 20 000 ms. */
  maxDelayMs: number;
  /** Longest `Retry-After` the client will wait for. Default 60 000 ms. */
  maxRetryAfterMs: number;
  /** Retry 503 maintenance responses like other 5xx. Default false. */
  retryMaintenance: boolean;
  /** Extra endpoint rules, consulted before {@link DEFAULT_ENDPOINT_RETRY_RULES}. */
  endpoints: EndpointRetryRule[];
  /** Injectable for tests. Must reject when the signal aborts. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Injectable for tests: uniform in [0, 1). */
  random: () => number;
  /** Injectable for tests: monotonic milliseconds. */
  now: () => number;
}

const SECOND = 1000;

/**
 * Per-endpoint rules derived from spec §1.6, expressed as data. First match wins.
 * Attempts are counted from the first attempt of the call, whatever the reasons.
 */
export const DEFAULT_ENDPOINT_RETRY_RULES: readonly EndpointRetryRule[] = [
  {
    // Reserve upload slot: idempotent per destination_path (§3.7). 429 → 20 attempts,
    // other retryable failures and a 2xx without last_status → 10 attempts. 400 fatal.
    name: 'uploads-post-data',
    method: 'POST',
    path: /^\/api\/v2\/uploads-post-data\/?$/,
    idempotent: true,
    reasons: {
      'rate-limited': { maxAttempts: 20, maxElapsedMs: 600 * SECOND },
      'server-error': { maxAttempts: 10, maxElapsedMs: 600 * SECOND },
      network: { maxAttempts: 10, maxElapsedMs: 600 * SECOND },
      timeout: { maxAttempts: 10, maxElapsedMs: 600 * SECOND },
      'incomplete-response': { maxAttempts: 10, maxElapsedMs: 600 * SECOND },
    },
  },
  {
    // URL import: idempotent per destination_path; 429/5xx/transport for up to 600 s.
    name: 'uploads-url',
    method: 'POST',
    path: /^\/api\/v2\/uploads-url\/?$/,
    idempotent: true,
    reasons: {
      'rate-limited': { maxAttempts: Number.POSITIVE_INFINITY, maxElapsedMs: 600 * SECOND },
      'server-error': { maxAttempts: Number.POSITIVE_INFINITY, maxElapsedMs: 600 * SECOND },
      network: { maxAttempts: Number.POSITIVE_INFINITY, maxElapsedMs: 600 * SECOND },
      timeout: { maxAttempts: Number.POSITIVE_INFINITY, maxElapsedMs: 600 * SECOND },
    },
  },
  {
    // Temporary S3 credentials: no server-side state, safe to repeat.
    name: 'upload-credentials',
    method: 'POST',
    path: /^\/api\/v2\/upload-credentials\/?$/,
    idempotent: true,
  },
  {
    // Token issuing has no side effect worth protecting; repeat on transport errors.
    name: 'jwt',
    method: 'POST',
    path: /^\/api\/v2\/jwt-(create|refresh)\/?$/,
    idempotent: true,
  },
  {
    // Sample-sheet page fetch: timeouts 5 attempts / 30 s (§1.6).
    name: 'sample-sheet',
    method: 'GET',
    path: /^\/api\/v2\/sample-sheet\/?$/,
    reasons: { timeout: { maxAttempts: 5, maxElapsedMs: 30 * SECOND } },
  },
  {
    // Project sample listing: timeouts 2 attempts / 30 s (§1.6).
    name: 'project-samples-list',
    method: 'GET',
    path: /^\/api\/v2\/project-samples\/[^/]+\/?$/,
    reasons: { timeout: { maxAttempts: 2, maxElapsedMs: 30 * SECOND } },
  },
  {
    // Assignment creates samples and starts analyses: never repeated after an
    // ambiguous failure (only 429, refused connections and connect timeouts).
    name: 'project-samples-assign',
    method: 'POST',
    path: /^\/api\/v2\/project-samples\/[^/]+\/?$/,
    idempotent: false,
  },
  {
    // Setting metadata replaces the value: repeating is harmless.
    name: 'sample-metadata-set',
    method: 'POST',
    path: /^\/api\/v2\/sample-metadata\/[^/]+\/?$/,
    idempotent: true,
  },
  {
    // Restore / hide / unhide are state-setting operations.
    name: 'project-sample-state',
    method: 'POST',
    path: /^\/api\/v2\/project-(restore|hide|unhide)-samples\/[^/]+\/?$/,
    idempotent: true,
  },
];

export const DEFAULT_RETRY_OPTIONS: Readonly<Omit<RetryPolicyOptions, 'sleep' | 'random' | 'now'>> =
  {
    maxAttempts: 4,
    maxElapsedMs: 60 * SECOND,
    baseDelayMs: SECOND,
    maxDelayMs: 20 * SECOND,
    maxRetryAfterMs: 60 * SECOND,
    retryMaintenance: false,
    endpoints: [],
  };

async function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, signal ? { signal } : undefined);
  } catch (e) {
    if (signal?.aborted) throw new AbortError('The operation was aborted while waiting to retry');
    throw e;
  }
}

export interface RetryRequestInfo {
  method: string;
  /** URL path (no query). */
  path: string;
  /** Overrides the idempotency derived from the method / endpoint rule. */
  idempotent?: boolean;
}

export interface RetryDecisionInput extends RetryRequestInfo {
  /** Attempts made so far (≥ 1). */
  attempt: number;
  /** Time since the first attempt started. */
  elapsedMs: number;
  error: unknown;
}

export type RetryDecision =
  | { retry: true; delayMs: number; reason: RetryReason }
  | { retry: false; reason?: RetryReason; why: string };

export interface RetryEventInfo {
  /** The attempt that failed (1-based). */
  attempt: number;
  /** Delay before the next attempt. */
  delayMs: number;
  reason: RetryReason;
  /** Error code of the failure (`ERR_GENCOVE_…`). */
  code: string;
  status?: number;
  /** Name of the endpoint rule in effect, if any. */
  rule?: string;
}

/** Marks a 2xx response the caller considers incomplete (spec §3.7 `last_status`). */
export class IncompleteResponseError extends ResponseShapeError {}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

export function classifyRetryReason(error: unknown): RetryReason | undefined {
  if (error instanceof RateLimitError) return 'rate-limited';
  if (error instanceof MaintenanceError) return 'maintenance';
  if (error instanceof ServerError) return 'server-error';
  if (error instanceof NetworkError) return 'network';
  if (error instanceof TimeoutError) return 'timeout';
  if (error instanceof IncompleteResponseError) return 'incomplete-response';
  return undefined;
}

/** Failures after which the server certainly did not process the request. */
function certainlyNotProcessed(error: unknown): boolean {
  if (error instanceof RateLimitError || error instanceof MaintenanceError) return true;
  if (error instanceof NetworkError) return !error.requestSent;
  if (error instanceof TimeoutError) return error.phase === 'connect';
  return false;
}

export class RetryPolicy {
  readonly options: Readonly<RetryPolicyOptions>;
  readonly #rules: readonly EndpointRetryRule[];

  constructor(options: Partial<RetryPolicyOptions> = {}) {
    const merged: RetryPolicyOptions = {
      ...DEFAULT_RETRY_OPTIONS,
      sleep: defaultSleep,
      random: Math.random,
      now: () => performance.now(),
      ...stripUndefined(options),
    };
    if (!(merged.maxAttempts >= 1)) throw new RangeError('retry.maxAttempts must be ≥ 1');
    this.options = Object.freeze(merged);
    this.#rules = [...merged.endpoints, ...DEFAULT_ENDPOINT_RETRY_RULES];
  }

  /** The endpoint rule that applies to a request, if any. */
  ruleFor(method: string, path: string): EndpointRetryRule | undefined {
    const m = method.toUpperCase();
    return this.#rules.find((r) => (r.method === '*' || r.method === m) && r.path.test(path));
  }

  isIdempotent(info: RetryRequestInfo): boolean {
    if (info.idempotent !== undefined) return info.idempotent;
    const rule = this.ruleFor(info.method, info.path);
    if (rule?.idempotent !== undefined) return rule.idempotent;
    return SAFE_METHODS.has(info.method.toUpperCase());
  }

  /** Full-jitter backoff before retry number `retryIndex` (0-based). */
  backoffMs(retryIndex: number): number {
    const window = Math.min(
      this.options.maxDelayMs,
      this.options.baseDelayMs * 2 ** Math.max(0, retryIndex),
    );
    return Math.floor(this.options.random() * window);
  }

  /** Decide whether a failed attempt is retried, and after how long. */
  decide(input: RetryDecisionInput): RetryDecision {
    const reason = classifyRetryReason(input.error);
    if (!reason) return { retry: false, why: 'not a retryable failure' };
    const rule = this.ruleFor(input.method, input.path);
    const configured = rule?.reasons?.[reason];
    let limit: RetryLimit | false;
    if (configured !== undefined) limit = configured;
    else if (reason === 'incomplete-response') limit = false;
    else if (reason === 'maintenance') limit = this.options.retryMaintenance ? {} : false;
    else limit = {};
    if (limit === false) return { retry: false, reason, why: `${reason} is not retried here` };

    if (!certainlyNotProcessed(input.error) && !this.isIdempotent(input)) {
      return { retry: false, reason, why: 'request is not idempotent' };
    }
    const maxAttempts = limit.maxAttempts ?? this.options.maxAttempts;
    const maxElapsedMs = limit.maxElapsedMs ?? this.options.maxElapsedMs;
    if (input.attempt >= maxAttempts) {
      return { retry: false, reason, why: `gave up after ${input.attempt} attempts` };
    }
    let delayMs: number;
    const retryAfter = retryAfterOf(input.error);
    if (retryAfter !== undefined) {
      if (retryAfter > this.options.maxRetryAfterMs) {
        return { retry: false, reason, why: 'Retry-After exceeds maxRetryAfterMs' };
      }
      delayMs = retryAfter;
    } else {
      delayMs = this.backoffMs(input.attempt - 1);
    }
    if (input.elapsedMs + delayMs > maxElapsedMs) {
      return { retry: false, reason, why: `time budget of ${maxElapsedMs} ms exhausted` };
    }
    return { retry: true, delayMs, reason };
  }

  /**
   * Run `operation` until it succeeds or the policy gives up; the last error is
   * rethrown unchanged. `onRetry` is called before each wait.
   */
  async execute<T>(
    operation: (attempt: number) => Promise<T>,
    info: RetryRequestInfo & {
      signal?: AbortSignal;
      onRetry?: (event: RetryEventInfo) => void;
    },
  ): Promise<T> {
    const start = this.options.now();
    for (let attempt = 1; ; attempt++) {
      if (info.signal?.aborted) throw new AbortError();
      try {
        return await operation(attempt);
      } catch (error) {
        if (error instanceof AbortError) throw error;
        const decision = this.decide({
          ...info,
          attempt,
          elapsedMs: this.options.now() - start,
          error,
        });
        if (!decision.retry) throw error;
        const rule = this.ruleFor(info.method, info.path);
        const ge = error as GencoveError;
        info.onRetry?.({
          attempt,
          delayMs: decision.delayMs,
          reason: decision.reason,
          code: ge.code,
          ...(ge.status !== undefined ? { status: ge.status } : {}),
          ...(rule ? { rule: rule.name } : {}),
        });
        try {
          await this.options.sleep(decision.delayMs, info.signal);
        } catch (e) {
          if (info.signal?.aborted) throw new AbortError();
          throw e;
        }
      }
    }
  }
}

/**
 * Parse a `Retry-After` header: delta-seconds or an HTTP date. Returns milliseconds
 * (≥ 0) or undefined when absent / unparsable.
 */
export function parseRetryAfter(
  value: string | undefined | null,
  nowMs = Date.now(),
): number | undefined {
  if (value === undefined || value === null) return undefined;
  const v = value.trim();
  if (v === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const date = Date.parse(v);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o))
    if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
