/**
 * A tiny real HTTP server on 127.0.0.1 for cases the sandbox cannot produce
 * (hostile bodies, precise resets). Handlers get the parsed request.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface LocalRequest {
  method: string;
  url: URL;
  headers: IncomingMessage['headers'];
  body: string;
  json: unknown;
}

export type LocalHandler = (
  req: LocalRequest,
  res: ServerResponse,
  raw: IncomingMessage,
) => unknown;

export interface LocalServer {
  url: string;
  requests: LocalRequest[];
  close(): Promise<void>;
}

export function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(text);
}

export async function startLocalServer(handler: LocalHandler): Promise<LocalServer> {
  const requests: LocalRequest[] = [];
  const sockets = new Set<Socket>();
  const server = createServer(async (raw, res) => {
    const chunks: Buffer[] = [];
    for await (const c of raw) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    let parsed: unknown;
    try {
      parsed = body ? JSON.parse(body) : undefined;
    } catch {
      parsed = undefined;
    }
    const req: LocalRequest = {
      method: raw.method ?? 'GET',
      url: new URL(raw.url ?? '/', 'http://127.0.0.1'),
      headers: raw.headers,
      body,
      json: parsed,
    };
    requests.push(req);
    try {
      await handler(req, res, raw);
    } catch (e) {
      if (!res.headersSent) json(res, 500, { detail: String(e) });
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
