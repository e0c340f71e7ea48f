/**
 * A reverse proxy in front of the sandbox API that answers some requests itself, the way a
 * misbehaving load balancer, proxy or server would (HTML error pages, bodies that are not JSON,
 * JSON of the wrong shape). Everything else is passed through unchanged.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HostileAnswer {
  method?: string;
  path: RegExp;
  status: number;
  headers?: Record<string, string>;
  body: string;
}

export interface HostileProxy {
  url: string;
  answers: HostileAnswer[];
  /** Requests answered by the proxy itself. */
  hits: string[];
  close(): Promise<void>;
}

export async function startHostileProxy(upstream: string): Promise<HostileProxy> {
  const proxy: HostileProxy = { url: '', answers: [], hits: [], close: async () => {} };
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const path = (req.url ?? '/').split('?')[0]!;
    const answer = proxy.answers.find(
      (a) => (!a.method || a.method === req.method) && a.path.test(path),
    );
    if (answer) {
      proxy.hits.push(`${req.method} ${path}`);
      res.writeHead(answer.status, { 'content-type': 'text/html', ...answer.headers });
      res.end(answer.body);
      return;
    }
    const headers = { ...req.headers };
    delete headers.host;
    delete headers['content-length'];
    const body = chunks.length ? Buffer.concat(chunks) : undefined;
    const upstreamRes = await fetch(`${upstream}${req.url}`, {
      method: req.method,
      headers: headers as Record<string, string>,
      ...(body && req.method !== 'GET' && req.method !== 'HEAD' ? { body } : {}),
    });
    const out: Record<string, string> = {};
    upstreamRes.headers.forEach((v, k) => {
      if (k !== 'content-length' && k !== 'content-encoding' && k !== 'transfer-encoding')
        out[k] = v;
    });
    const data = Buffer.from(await upstreamRes.arrayBuffer());
    res.writeHead(upstreamRes.status, out);
    res.end(data);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return proxy;
}
