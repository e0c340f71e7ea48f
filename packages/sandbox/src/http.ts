import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from './errors.js';

const MAX_BODY = 32 * 1024 * 1024;

/** Per-request context of the API server. */
export interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  /** Path without query, trailing slashes removed. */
  path: string;
  query: URLSearchParams;
  /** Absolute origin as the client addressed us (for pagination links). */
  origin: string;
  params: string[];
  /** Parsed JSON body (undefined for GET/HEAD and for multipart bodies). */
  body: unknown;
  /** The request body as received (multipart handlers parse it themselves). */
  rawBody: Buffer;
  /** A `truncate` fault applies: send half of the body, then destroy the socket. */
  truncate: boolean;
  /** A `reset-mid-body` fault applies: send half of the body, then reset the connection. */
  resetMidBody?: boolean;
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new ApiError(413, { detail: 'Request body too large.' });
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** `multipart/form-data` bodies are parsed by their handler, not as JSON (see multipart.ts). */
export function isMultipart(ctx: Pick<Ctx, 'req'>): boolean {
  return /^multipart\/form-data\b/i.test(String(ctx.req.headers['content-type'] ?? ''));
}

export function parseJsonBody(raw: Buffer): unknown {
  const text = raw.toString('utf8').trim();
  if (text === '') return {};
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ApiError(400, { detail: `JSON parse error - ${(err as Error).message}` });
  }
}

type SendCtx = Pick<Ctx, 'res' | 'truncate' | 'method'> & { resetMidBody?: boolean };

/** Writes a complete response, or only half of it when a truncate / reset-mid-body fault applies. */
export function send(
  ctx: SendCtx,
  status: number,
  body: Buffer,
  headers: Record<string, string>,
): void {
  const { res } = ctx;
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { ...headers, 'Content-Length': String(body.length) });
  if (ctx.method === 'HEAD') {
    res.end();
    return;
  }
  if (ctx.truncate) {
    res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.destroy());
    return;
  }
  if (ctx.resetMidBody) {
    res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.socket?.resetAndDestroy());
    return;
  }
  res.end(body);
}

export function sendJson(
  ctx: SendCtx,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  send(ctx, status, Buffer.from(JSON.stringify(value)), {
    'Content-Type': 'application/json',
    Vary: 'Accept, Authorization',
    Allow: 'GET, POST, DELETE, HEAD, OPTIONS',
    ...headers,
  });
}

export function sendEmpty(ctx: SendCtx, status: number): void {
  send(ctx, status, Buffer.alloc(0), {});
}

export function sendText(
  ctx: SendCtx,
  status: number,
  text: string,
  headers: Record<string, string>,
): void {
  send(ctx, status, Buffer.from(text), headers);
}
