/**
 * `checkUrls`: is each URL reachable from here right now? HEAD first; presigned URLs are
 * usually signed for GET only (S3 answers HEAD with 403), so a refused HEAD is followed by a
 * 1-byte ranged GET. Only headers and at most a few KiB of an error body are read.
 */
import { STATUS_CODES } from 'node:http';
import { Agent, type Dispatcher, request } from 'undici';
import { AbortError } from '../../errors.js';
import { redactString } from '../../redact.js';
import type { UrlCheck } from './types.js';

export type ProbeOutcome = Omit<UrlCheck, 'clientId' | 'read' | 'line'>;

export const DEFAULT_PROBE_TIMEOUT_MS = 30_000;
const ERROR_BODY_LIMIT = 4096;

export function createProbeAgent(timeoutMs = DEFAULT_PROBE_TIMEOUT_MS): Agent {
  return new Agent({
    connect: { timeout: timeoutMs },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    keepAliveTimeout: 1_000,
  });
}

async function readSome(body: Dispatcher.ResponseData['body']): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk as Buffer);
    size += (chunk as Buffer).length;
    if (size >= ERROR_BODY_LIMIT) break; // leaving the loop destroys the body
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, ERROR_BODY_LIMIT);
}

function header(res: Dispatcher.ResponseData, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function sizeOf(res: Dispatcher.ResponseData): number | undefined {
  const range = /\/(\d+)\s*$/.exec(header(res, 'content-range') ?? '');
  const raw = range?.[1] ?? (res.statusCode === 200 ? header(res, 'content-length') : undefined);
  const n = raw === undefined ? Number.NaN : Number(raw);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** `HTTP 403 Forbidden (AccessDenied: Request has expired)` — S3-style XML errors are summarised. */
function describeFailure(status: number, body: string): string {
  const code = /<Code>([^<]{1,100})<\/Code>/.exec(body)?.[1];
  const message = /<Message>([^<]{1,200})<\/Message>/.exec(body)?.[1];
  const detail = code ? ` (${code}${message ? `: ${message}` : ''})` : '';
  return redactString(`HTTP ${status} ${STATUS_CODES[status] ?? ''}`.trim() + detail);
}

async function send(
  url: string,
  method: 'HEAD' | 'GET',
  dispatcher: Dispatcher,
  signal: AbortSignal | undefined,
): Promise<Dispatcher.ResponseData> {
  return request(url, {
    method,
    dispatcher,
    ...(signal ? { signal } : {}),
    headers: method === 'GET' ? { range: 'bytes=0-0' } : {},
  });
}

const ok = (status: number) => status >= 200 && status < 300;

function reached(method: 'HEAD' | 'GET', res: Dispatcher.ResponseData): ProbeOutcome {
  const size = sizeOf(res);
  if (size === 0)
    return {
      ok: false,
      method,
      status: res.statusCode,
      size,
      reason: 'the file is empty (0 bytes)',
    };
  return { ok: true, method, status: res.statusCode, ...(size !== undefined ? { size } : {}) };
}

export async function probeUrl(
  url: string,
  dispatcher: Dispatcher,
  signal?: AbortSignal,
): Promise<ProbeOutcome> {
  try {
    const head = await send(url, 'HEAD', dispatcher, signal);
    await head.body.dump();
    if (ok(head.statusCode)) return reached('HEAD', head);
    const get = await send(url, 'GET', dispatcher, signal);
    if (ok(get.statusCode)) {
      // A server that ignores Range answers 200 with the whole file: stop reading at once.
      await get.body.dump({ limit: 0 });
      return reached('GET', get);
    }
    const text = await readSome(get.body).catch(() => '');
    let reason = describeFailure(get.statusCode, text);
    if (get.statusCode === 416) reason += ' — the file is probably empty';
    return { ok: false, method: 'GET', status: get.statusCode, reason };
  } catch (error) {
    if (signal?.aborted) throw new AbortError('Aborted while checking URLs');
    const e = error as { code?: string; message?: string };
    const reason = e.code ? `${e.code}: ${e.message ?? ''}` : String(e.message ?? error);
    return { ok: false, reason: redactString(reason.trim()) };
  }
}
