import { STATUS_CODES } from 'node:http';
import type { Dispatcher } from 'undici';
import {
  AbortError,
  HttpError,
  NetworkError,
  NotFoundError,
  RateLimitError,
  ServerError,
  TimeoutError,
} from '../../errors.js';
import type { RetryPolicy, RetryReason } from '../../http/retry.js';
import { sanitizeCause } from '../../http/transport.js';
import { RemoteFileChangedError } from './errors.js';
import type { DownloadSource } from './source.js';

export interface TransferRetryInfo {
  attempt: number;
  delayMs: number;
  reason: RetryReason;
  status?: number;
  /** Byte offset the next attempt resumes from. */
  offset: number;
}

export interface FetchContext {
  dispatcher: Dispatcher;
  retry: RetryPolicy;
  /** Headers and body-idle timeout per request. */
  timeoutMs: number;
  signal?: AbortSignal;
  onRetry?: (info: TransferRetryInfo) => void;
  /** Bytes received from the network (including any later discarded), for accounting. */
  onBytes?: (n: number) => void;
}

/** What the server said about the object; filled in by the first response. */
export interface ObjectInfo {
  total?: number;
  etag?: string;
}

export interface RangeRequest {
  source: DownloadSource;
  /** First byte wanted. */
  start: number;
  /** One past the last byte wanted; to the end of the object when undefined. */
  end?: number;
  /** Known facts about the object; a response that contradicts them means it changed. */
  info: ObjectInfo;
}

/** Lets go of a response body we do not want, without an unhandled 'error' from undici. */
function discard(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => {});
  body.destroy();
}

const RANGE = /^bytes (\d+)-(\d+)\/(\d+|\*)$/;

function contentTotal(status: number, headers: Record<string, string | string[] | undefined>) {
  const header = (name: string) => {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  if (status === 206) {
    const m = RANGE.exec(header('content-range') ?? '');
    if (!m) return { start: undefined, total: undefined };
    return { start: Number(m[1]), total: m[3] === '*' ? undefined : Number(m[3]) };
  }
  const length = header('content-length');
  return { start: 0, total: length === undefined ? undefined : Number(length) };
}

function mapTransportError(e: unknown, where: string, signal?: AbortSignal): Error {
  if (signal?.aborted) return new AbortError();
  const code = (e as { code?: string })?.code;
  const cause = sanitizeCause(e);
  if (code === 'UND_ERR_HEADERS_TIMEOUT') {
    return new TimeoutError(`No response for ${where}`, { phase: 'headers', cause });
  }
  if (code === 'UND_ERR_BODY_TIMEOUT') {
    return new TimeoutError(`Transfer stalled for ${where}`, { phase: 'body', cause });
  }
  if (code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new TimeoutError(`Could not connect for ${where}`, { phase: 'connect', cause });
  }
  if ((e as Error)?.name === 'AbortError') return new AbortError();
  return new NetworkError(`Connection broken while downloading ${where} (${code ?? 'error'})`, {
    networkCode: code ?? 'UNKNOWN',
    cause,
  });
}

function errorForStatus(status: number, where: string): Error {
  const reason = STATUS_CODES[status] ?? 'Unknown Status';
  const message = `Download of ${where} failed: ${status} ${reason}`;
  if (status === 429 || status === 503) return new RateLimitError(message, { status });
  if (status >= 500) return new ServerError(message, { status });
  if (status === 404) return new NotFoundError(message, { status });
  if (status >= 300 && status < 400) {
    return new HttpError(`${message} (download URLs must not redirect)`, { status });
  }
  return new HttpError(message, { status });
}

/**
 * Streams bytes [start, end) of a deliverable, in order, surviving the failures a long transfer
 * meets: a broken or cut-off body continues with `Range` from the last byte received, 5xx / 429 /
 * network errors back off under the retry policy (the attempt count restarts whenever an attempt
 * made progress), and a 403 renews the presigned URL through the source. A different ETag or size
 * than `info` records raises {@link RemoteFileChangedError}.
 */
export async function* fetchRange(req: RangeRequest, ctx: FetchContext): AsyncGenerator<Buffer> {
  const { source, info } = req;
  let pos = req.start;
  let attempt = 0;
  let firstFailureAt = 0;
  for (;;) {
    const end = req.end ?? info.total;
    if (end !== undefined && pos >= end) return;
    ctx.signal?.throwIfAborted();
    const { url, generation } = source.current();
    const target = new URL(url);
    const headers: Record<string, string> = {};
    if (pos > 0 || req.end !== undefined) {
      headers.range = `bytes=${pos}-${end === undefined ? '' : end - 1}`;
    }
    let failure: Error | undefined;
    let progressed = false;
    let response: Dispatcher.ResponseData | undefined;
    try {
      response = await ctx.dispatcher.request({
        origin: target.origin,
        path: `${target.pathname}${target.search}`,
        method: 'GET',
        headers,
        headersTimeout: ctx.timeoutMs,
        bodyTimeout: ctx.timeoutMs,
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      });
    } catch (e) {
      failure = mapTransportError(e, source.label, ctx.signal);
    }
    if (response) {
      const status = response.statusCode;
      if (status === 403) {
        discard(response.body);
        await source.refresh(generation, ctx.signal);
        continue;
      }
      if (status === 416 && info.total !== undefined && pos >= info.total) {
        discard(response.body);
        return;
      }
      if (status !== 200 && status !== 206) {
        discard(response.body);
        failure = errorForStatus(status, source.label);
      } else {
        const range = contentTotal(status, response.headers);
        const etagHeader = response.headers.etag;
        const etag = Array.isArray(etagHeader) ? etagHeader[0] : etagHeader;
        if (
          (info.etag !== undefined && etag !== undefined && etag !== info.etag) ||
          (info.total !== undefined && range.total !== undefined && range.total !== info.total)
        ) {
          discard(response.body);
          throw new RemoteFileChangedError(
            `${source.label} changed on the server during the transfer (size or ETag differs).`,
          );
        }
        info.etag ??= etag;
        info.total ??= range.total;
        // 200 to a ranged request: the server ignored Range; drop what we already have.
        let skip = status === 200 ? pos : 0;
        if (status === 206 && range.start !== pos) {
          discard(response.body);
          throw new RemoteFileChangedError(
            `${source.label}: the server answered a different range.`,
          );
        }
        const stop = req.end ?? info.total;
        try {
          for await (const raw of response.body) {
            let chunk = raw as Buffer;
            ctx.onBytes?.(chunk.length);
            if (skip > 0) {
              if (chunk.length <= skip) {
                skip -= chunk.length;
                continue;
              }
              chunk = chunk.subarray(skip);
              skip = 0;
            }
            if (stop !== undefined && pos + chunk.length > stop)
              chunk = chunk.subarray(0, stop - pos);
            if (chunk.length > 0) {
              pos += chunk.length;
              progressed = true;
              yield chunk;
            }
            if (stop !== undefined && pos >= stop) break;
          }
        } catch (e) {
          failure = mapTransportError(e, source.label, ctx.signal);
        } finally {
          if (!response.body.destroyed) discard(response.body);
        }
        if (!failure) {
          const want = req.end ?? info.total;
          if (want === undefined || pos >= want) return;
          failure = new NetworkError(
            `The body of ${source.label} ended early at byte ${pos} of ${want}`,
            { networkCode: 'TRUNCATED' },
          );
        }
      }
    }
    if (failure instanceof AbortError) throw failure;
    if (progressed || attempt === 0) {
      attempt = 0;
      firstFailureAt = Date.now();
    }
    attempt++;
    const decision = ctx.retry.decide({
      method: 'GET',
      path: target.pathname,
      idempotent: true,
      attempt,
      elapsedMs: Date.now() - firstFailureAt,
      error: failure,
    });
    if (!decision.retry) throw failure;
    const status = (failure as { status?: number }).status;
    ctx.onRetry?.({
      attempt,
      delayMs: decision.delayMs,
      reason: decision.reason,
      ...(status !== undefined ? { status } : {}),
      offset: pos,
    });
    await ctx.retry.options.sleep(decision.delayMs, ctx.signal);
  }
}
