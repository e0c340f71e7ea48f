import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { App } from './app.js';
import { apiOperation } from './chaos/operations.js';
import { ApiError, defaultDetail } from './errors.js';
import { type Ctx, isMultipart, parseJsonBody, readBody, sendJson } from './http.js';
import type { Router } from './router.js';
import type { Fault, RequestLogEntry } from './types.js';

/** Default ETA of a maintenance fault (naive timestamp, shown verbatim by clients). */
const DEFAULT_ETA = '2030-01-01 00:00:00';

/**
 * The API server. Built on node:http directly (no framework) because fault injection needs
 * socket-level control: resetting a connection without an answer, or cutting a body off halfway.
 */
export async function startApiServer(
  app: App,
  api: Router,
  control: Router,
  host: string,
  port: number,
): Promise<{ server: http.Server; url: string }> {
  const server = http.createServer((req, res) => {
    void handle(app, api, control, req, res);
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const h = host.includes(':') ? `[${host}]` : host;
  return { server, url: `http://${h}:${address.port}` };
}

async function applyFault(app: App, fault: Fault, ctx: Ctx): Promise<boolean> {
  switch (fault.type) {
    case 'reset':
      ctx.req.socket.destroy();
      return true;
    case 'delay':
      await app.lifecycle.sleep(fault.ms);
      return false;
    case 'truncate':
      ctx.truncate = true;
      return false;
    case 'reset-mid-body':
      // the request is processed; its answer is cut off (a lost response, as far as the client knows)
      ctx.resetMidBody = true;
      return false;
    case 'corrupt':
    case 'expire-credentials':
    case 'expire-url':
      // S3-only faults: no effect on the API
      return false;
    case 'maintenance':
      sendJson(ctx, 503, {
        maintenance: true,
        maintenance_eta: fault.eta ?? DEFAULT_ETA,
        maintenance_message: fault.message ?? 'Planned maintenance in progress.',
      });
      return true;
    case 'status': {
      const headers: Record<string, string> = {};
      if (fault.retryAfter !== undefined) headers['Retry-After'] = String(fault.retryAfter);
      sendJson(ctx, fault.status, fault.body ?? { detail: defaultDetail(fault.status) }, headers);
      return true;
    }
  }
}

async function handle(
  app: App,
  api: Router,
  control: Router,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://api.sandbox');
  const method = (req.method ?? 'GET').toUpperCase();
  const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') || '/' : url.pathname;
  const isControl = path === '/_sandbox' || path.startsWith('/_sandbox/');
  const ctx: Ctx = {
    req,
    res,
    method,
    path,
    query: url.searchParams,
    origin: `http://${req.headers.host ?? 'localhost'}`,
    params: [],
    body: undefined,
    rawBody: Buffer.alloc(0),
    truncate: false,
  };
  try {
    const entry = isControl ? undefined : app.log.record('api', req, res, url);
    const raw = await readBody(req);
    if (entry) {
      const fault = app.faults.take('api', method, url.pathname) ?? chaosFault(app, entry, raw);
      if (fault) entry.fault = fault.type;
      if (fault && (await applyFault(app, fault, ctx))) return;
      // apply every pipeline transition that is due before answering
      void app.pipeline.sync();
    }
    // route first: an unknown path is 404 whatever its body; then the body by its media type
    const found = (isControl ? control : api).find(method, path);
    if (!found) throw new ApiError(404, { detail: 'Not found.' });
    if ('methodMismatch' in found) {
      throw new ApiError(405, { detail: `Method "${method}" not allowed.` });
    }
    ctx.params = found.params;
    ctx.rawBody = raw;
    const bodyless = method === 'GET' || method === 'HEAD';
    ctx.body = bodyless || isMultipart(ctx) ? undefined : parseJsonBody(raw);
    await found.handler(ctx);
  } catch (err) {
    if (res.headersSent || res.destroyed) return;
    if (err instanceof ApiError) {
      sendJson(ctx, err.status, err.body, err.headers);
    } else {
      sendJson(ctx, 500, { detail: 'A server error occurred.' });
    }
  }
}

/** The chaos engine's decision for an API request (none when chaos is off). */
function chaosFault(app: App, entry: RequestLogEntry, raw: Buffer): Fault | undefined {
  if (!app.chaos.active) return undefined;
  let body: unknown;
  try {
    body = raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
  } catch {
    body = undefined;
  }
  return app.chaos.decide({
    target: 'api',
    method: entry.method,
    operation: apiOperation(entry.method, entry.path),
    resource: app.names.api(entry.path, body),
  });
}
