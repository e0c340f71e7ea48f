/**
 * WAN-like latency for the benchmark: every request waits `latencyMs` before it is forwarded to
 * the static server (which caps each connection's rate), as a long-distance round trip would.
 * `tc netem` is not available on this kernel, hence userspace. Loopback only.
 */
import http from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';

export async function startDelayProxy(upstreamPort, latencyMs) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const counts = { requests: 0, ranged: 0 };
  const server = http.createServer(async (req, res) => {
    counts.requests++;
    if (req.headers.range) counts.ranged++;
    await delay(latencyMs);
    const upstream = http.request(
      {
        host: '127.0.0.1',
        port: upstreamPort,
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    /** Requests forwarded so far (and how many carried a Range header); reset by the caller. */
    counts,
    close: () => {
      server.closeAllConnections();
      agent.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}
