/**
 * The request pipeline shared by every endpoint method: URL building, standard
 * headers, JSON encoding/decoding, authentication (with one refresh + replay on 401),
 * the retry policy, response validation and redacted events.
 */
import type { z } from 'zod';
import { GencoveError, InvalidArgumentError, ResponseShapeError } from '../errors.js';
import type { ClientEvent } from '../events.js';
import { parseResponse } from '../models.js';
import { redactHeaders, redactUrl, type SecretScrubber } from '../redact.js';
import { VERSION } from '../version.js';
import { errorFromResponse, requestIdOf } from './response-errors.js';
import { IncompleteResponseError, type RetryPolicy } from './retry.js';
import type { HttpTransport, TransportResponse } from './transport.js';

export type QueryValue = string | number | boolean | null | undefined;

export interface RequestOptions<S extends z.ZodType = z.ZodType> {
  method?: string;
  /** Absolute path on the API origin, starting with `/`. */
  path: string;
  /** Query parameters; `undefined`/`null` values are omitted. */
  query?: Record<string, QueryValue>;
  /** JSON body; POST/PUT/PATCH/DELETE without a body send `{}` (spec §1.3). */
  body?: unknown;
  /** Send the Authorization header (default true). */
  auth?: boolean;
  /** `json` (default; `text/csv` responses come back as a string) or `text`. */
  responseType?: 'json' | 'text';
  /** zod schema validating the decoded body. */
  schema?: S;
  signal?: AbortSignal;
  /** Override the idempotency the retry policy derives from method / endpoint. */
  idempotent?: boolean;
  /**
   * For 2xx bodies the caller considers incomplete: return a description to have the
   * request repeated (retry reason `incomplete-response`), or undefined to accept.
   */
  incomplete?: (value: z.infer<S>) => string | undefined;
}

/** Supplies Authorization headers and reacts to 401s. Implemented by `Authenticator`. */
export interface AuthProvider {
  authorization(signal?: AbortSignal): Promise<string>;
  /**
   * Called after a 401 for a request sent with `used`. Resolves true when a replay
   * with a fresh `authorization()` is worthwhile.
   */
  handleUnauthorized(used: string, signal?: AbortSignal): Promise<boolean>;
}

export interface ApiRequesterOptions {
  origin: string;
  transport: HttpTransport;
  retry: RetryPolicy;
  scrubber: SecretScrubber;
  emit: (event: ClientEvent) => void;
  userAgent?: string;
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export class ApiRequester {
  readonly #o: ApiRequesterOptions;
  #auth: AuthProvider | undefined;
  #callSeq = 0;
  readonly #userAgent: string;

  constructor(options: ApiRequesterOptions) {
    this.#o = options;
    this.#userAgent = [options.userAgent, `gencove-core/${VERSION}`, `node/${process.version}`]
      .filter(Boolean)
      .join(' ');
  }

  setAuth(auth: AuthProvider): void {
    this.#auth = auth;
  }

  buildUrl(path: string, query?: Record<string, QueryValue>): URL {
    if (!path.startsWith('/') || path.startsWith('//')) {
      throw new InvalidArgumentError(
        'path',
        `Request path must start with a single "/": ${JSON.stringify(redactUrl(path))}`,
      );
    }
    const url = new URL(path, this.#o.origin);
    if (query) {
      for (const [k, v] of Object.entries(query)) {
        if (v !== undefined && v !== null) url.searchParams.append(k, String(v));
      }
    }
    return url;
  }

  async request<S extends z.ZodType = z.ZodType>(options: RequestOptions<S>): Promise<z.infer<S>> {
    const method = (options.method ?? 'GET').toUpperCase();
    const url = this.buildUrl(options.path, options.query);
    const endpoint = url.pathname;
    const callId = ++this.#callSeq;
    const signal = options.signal;
    const bodyText = BODY_METHODS.has(method) ? JSON.stringify(options.body ?? {}) : undefined;
    const useAuth = options.auth ?? true;

    return this.#o.retry.execute(
      async (attempt) => {
        const res = await this.#sendWithAuth(
          { method, url, bodyText, body: options.body, useAuth, signal },
          callId,
          attempt,
        );
        const value = this.#decode(res, method, endpoint, options);
        if (options.incomplete) {
          const why = options.incomplete(value);
          if (why !== undefined) {
            throw new IncompleteResponseError(
              `Incomplete response from ${method} ${endpoint}: ${this.#o.scrubber.text(why)}`,
              { method, endpoint, status: res.status },
            );
          }
        }
        return value;
      },
      {
        method,
        path: endpoint,
        ...(options.idempotent !== undefined ? { idempotent: options.idempotent } : {}),
        ...(signal ? { signal } : {}),
        onRetry: (info) => this.#o.emit({ type: 'retry', callId, method, endpoint, ...info }),
      },
    );
  }

  async #sendWithAuth(
    req: {
      method: string;
      url: URL;
      bodyText: string | undefined;
      body: unknown;
      useAuth: boolean;
      signal: AbortSignal | undefined;
    },
    callId: number,
    attempt: number,
  ): Promise<TransportResponse> {
    const auth = req.useAuth ? this.#auth : undefined;
    if (req.useAuth && !auth) {
      throw new GencoveError('No authentication configured', { code: 'ERR_GENCOVE_CONFIG' });
    }
    let authorization = auth ? await auth.authorization(req.signal) : undefined;
    let res = await this.#sendOnce(req, authorization, callId, attempt);
    if (res.status === 401 && auth && authorization !== undefined) {
      const replay = await auth.handleUnauthorized(authorization, req.signal);
      if (replay) {
        authorization = await auth.authorization(req.signal);
        res = await this.#sendOnce(req, authorization, callId, attempt);
      }
    }
    if (res.status < 200 || res.status > 299) {
      throw errorFromResponse(res, {
        method: req.method,
        endpoint: req.url.pathname,
        scrub: (t) => this.#o.scrubber.text(t),
      });
    }
    return res;
  }

  async #sendOnce(
    req: {
      method: string;
      url: URL;
      bodyText: string | undefined;
      body: unknown;
      signal: AbortSignal | undefined;
    },
    authorization: string | undefined,
    callId: number,
    attempt: number,
  ): Promise<TransportResponse> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json, text/plain;q=0.9, */*;q=0.8',
      'gencove-cli-version': VERSION,
      'user-agent': this.#userAgent,
    };
    if (authorization !== undefined) headers.authorization = authorization;
    const shownUrl = this.#o.scrubber.text(redactUrl(req.url));
    this.#o.emit({
      type: 'request',
      callId,
      attempt,
      method: req.method,
      url: shownUrl,
      headers: redactHeaders(headers),
      ...(req.bodyText !== undefined ? { body: this.#o.scrubber.value(req.body ?? {}) } : {}),
    });
    const started = performance.now();
    try {
      const res = await this.#o.transport.send({
        method: req.method,
        url: req.url,
        headers,
        ...(req.bodyText !== undefined ? { body: req.bodyText } : {}),
        ...(req.signal ? { signal: req.signal } : {}),
      });
      const requestId = requestIdOf(res.headers);
      this.#o.emit({
        type: 'response',
        callId,
        attempt,
        method: req.method,
        url: shownUrl,
        status: res.status,
        durationMs: Math.round(performance.now() - started),
        ...(requestId ? { requestId: this.#o.scrubber.text(requestId) } : {}),
      });
      return res;
    } catch (e) {
      const ge = e instanceof GencoveError ? e : undefined;
      this.#o.emit({
        type: 'request-error',
        callId,
        attempt,
        method: req.method,
        url: shownUrl,
        code: ge?.code ?? 'ERR_GENCOVE',
        message: this.#o.scrubber.text(ge?.message ?? 'request failed'),
        durationMs: Math.round(performance.now() - started),
      });
      throw e;
    }
  }

  #decode<S extends z.ZodType>(
    res: TransportResponse,
    method: string,
    endpoint: string,
    options: RequestOptions<S>,
  ): z.infer<S> {
    const ctx = { method, endpoint, status: res.status };
    const contentType = (res.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    let value: unknown;
    if (options.responseType === 'text' || contentType === 'text/csv') {
      value = res.body;
    } else if (res.body.trim() === '') {
      value = {};
    } else {
      try {
        value = JSON.parse(res.body);
      } catch {
        throw new ResponseShapeError(
          `Unexpected response from ${method} ${endpoint}: body is not JSON (status ${res.status}${contentType ? `, content-type ${this.#o.scrubber.text(contentType)}` : ''})`,
          ctx,
        );
      }
    }
    if (options.schema) return parseResponse(options.schema, value, ctx);
    return value as z.infer<S>;
  }
}
