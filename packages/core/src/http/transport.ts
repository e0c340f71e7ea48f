/**
 * HTTP transport on undici: keep-alive agent, connect/headers/body timeouts,
 * AbortSignal, and mapping of transport failures to {@link NetworkError},
 * {@link TimeoutError} and {@link AbortError}. Knows nothing about the Gencove API.
 */
import { STATUS_CODES } from 'node:http';
import { Agent, type Dispatcher } from 'undici';
import { AbortError, NetworkError, TimeoutError, type TimeoutPhase } from '../errors.js';
import { pathOf, redactString } from '../redact.js';

/** Default connect / headers / body timeout (spec §1.6: 120 s each). */
export const DEFAULT_TIMEOUT_MS = 120_000;

export interface HttpTransportOptions {
  /** Bring your own dispatcher (it is not destroyed by {@link HttpTransport.close}). */
  dispatcher?: Dispatcher;
  /** Connect, headers and body (idle) timeout in ms. Default 120 000. */
  timeoutMs?: number;
  /** Max sockets per origin of the internal agent. Default 16. */
  connections?: number;
  /** Keep-alive timeout of idle sockets of the internal agent. Default 10 000 ms. */
  keepAliveTimeoutMs?: number;
}

export interface TransportRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

export interface TransportResponse {
  status: number;
  /** Standard reason phrase for the status (`Not Found`). */
  reason: string;
  /** Lower-cased header names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  body: string;
}

const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EAI_NONAME',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EADDRNOTAVAIL',
  'ERR_INVALID_URL',
]);

export class HttpTransport {
  readonly timeoutMs: number;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  #closed = false;

  constructor(options: HttpTransportOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (options.dispatcher) {
      this.#dispatcher = options.dispatcher;
      this.#ownsDispatcher = false;
    } else {
      this.#dispatcher = new Agent({
        connections: options.connections ?? 16,
        keepAliveTimeout: options.keepAliveTimeoutMs ?? 10_000,
        connect: { timeout: this.timeoutMs },
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
      this.#ownsDispatcher = true;
    }
  }

  get dispatcher(): Dispatcher {
    return this.#dispatcher;
  }

  async send(req: TransportRequest): Promise<TransportResponse> {
    const ctx = { method: req.method, endpoint: pathOf(req.url) };
    if (req.signal?.aborted) throw new AbortError(undefined, ctx);
    let response: Dispatcher.ResponseData;
    try {
      response = await this.#dispatcher.request({
        origin: req.url.origin,
        path: `${req.url.pathname}${req.url.search}`,
        method: req.method as Dispatcher.HttpMethod,
        headers: req.headers,
        ...(req.body !== undefined ? { body: req.body } : {}),
        ...(req.signal ? { signal: req.signal } : {}),
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
    } catch (e) {
      throw this.#mapError(e, req, ctx, false);
    }
    let body: string;
    try {
      body = await response.body.text();
    } catch (e) {
      throw this.#mapError(e, req, ctx, true);
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(response.headers)) {
      if (v === undefined) continue;
      headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
    }
    return {
      status: response.statusCode,
      reason: STATUS_CODES[response.statusCode] ?? 'Unknown Status',
      headers,
      body,
    };
  }

  #mapError(
    e: unknown,
    req: TransportRequest,
    ctx: { method: string; endpoint: string },
    afterHeaders: boolean,
  ): Error {
    if (req.signal?.aborted) return new AbortError(undefined, ctx);
    const err = e as { code?: string; name?: string; message?: string };
    const code = err?.code;
    const cause = sanitizeCause(e);
    const where = `${ctx.method} ${ctx.endpoint}`;
    const timeout = (phase: TimeoutPhase, text: string) =>
      new TimeoutError(`${text} after ${this.timeoutMs} ms on ${where}`, {
        ...ctx,
        phase,
        timeoutMs: this.timeoutMs,
        cause,
      });
    if (code === 'UND_ERR_CONNECT_TIMEOUT') return timeout('connect', 'Could not connect');
    if (code === 'UND_ERR_HEADERS_TIMEOUT') return timeout('headers', 'Server did not respond');
    if (code === 'UND_ERR_BODY_TIMEOUT') return timeout('body', 'Response body stalled');
    if (code === 'ETIMEDOUT') {
      return afterHeaders
        ? timeout('body', 'Response body stalled')
        : timeout('connect', 'Could not connect');
    }
    if (err?.name === 'AbortError' || code === 'UND_ERR_ABORTED') {
      return new AbortError(undefined, ctx);
    }
    const host = req.url.host;
    const networkCode = code ?? err?.name ?? 'UNKNOWN';
    const requestSent = !NOT_SENT_CODES.has(networkCode);
    let text: string;
    if (networkCode === 'ECONNREFUSED') text = `Connection refused by ${host}`;
    else if (networkCode === 'ENOTFOUND' || networkCode.startsWith('EAI_'))
      text = `Could not resolve host ${req.url.hostname}`;
    else if (
      networkCode === 'ECONNRESET' ||
      networkCode === 'UND_ERR_SOCKET' ||
      networkCode === 'EPIPE'
    )
      text = `Connection to ${host} was closed unexpectedly${afterHeaders ? ' while reading the response' : ''}`;
    else text = `Network error talking to ${host}`;
    return new NetworkError(`${text} (${networkCode}) on ${where}`, {
      ...ctx,
      networkCode,
      requestSent,
      cause,
    });
  }

  /** Destroy the internal agent (a caller-supplied dispatcher is left alone). Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#ownsDispatcher) await this.#dispatcher.destroy();
  }
}

/** A credential-free copy of an arbitrary error, safe to attach as `cause`. */
export function sanitizeCause(e: unknown): Error {
  const src = e as {
    name?: unknown;
    message?: unknown;
    code?: unknown;
    errno?: unknown;
    syscall?: unknown;
  };
  const copy = new Error(redactString(typeof src?.message === 'string' ? src.message : String(e)));
  copy.name = typeof src?.name === 'string' ? src.name : 'Error';
  const extra = copy as Error & { code?: unknown; errno?: unknown; syscall?: unknown };
  if (typeof src?.code === 'string' || typeof src?.code === 'number') extra.code = src.code;
  if (typeof src?.errno === 'number') extra.errno = src.errno;
  if (typeof src?.syscall === 'string') extra.syscall = src.syscall;
  copy.stack = `${copy.name}: ${copy.message}`;
  return copy;
}
