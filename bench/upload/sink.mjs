#!/usr/bin/env node
/**
 * A minimal S3-compatible sink for upload benchmarks: accepts PutObject and multipart uploads
 * (create / upload part / complete / abort / list parts) and ListObjectsV2, discards every body
 * byte, never hashes, never checks signatures. Optional WAN-like shaping: a delay before each
 * response (latency), a per-connection rate cap and a total (link) rate cap on request bodies.
 *
 *   node bench/upload/sink.mjs [--port 0] [--latency-ms 0] [--conn-mibps 0] [--link-mibps 0]
 *
 * Prints `{"url": ..., "pid": ...}` on stdout once listening; `GET /__stats` returns counters.
 * Loopback only.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'latency-ms': { type: 'string', default: '0' },
    'conn-mibps': { type: 'string', default: '0' },
    'link-mibps': { type: 'string', default: '0' },
  },
});
const latencyMs = Number(values['latency-ms']);
const MIB = 1024 * 1024;
const connRate = Number(values['conn-mibps']) * MIB;
const linkRate = Number(values['link-mibps']) * MIB;

const stats = { requests: 0, bodyBytes: 0, objects: 0, parts: 0 };

/** Token bucket: `take(n)` resolves when n bytes may pass. A rate of 0 means unlimited. */
class Bucket {
  constructor(rate) {
    this.rate = rate;
    this.next = performance.now();
  }
  async take(bytes) {
    if (!this.rate) return;
    const now = performance.now();
    const start = Math.max(now, this.next);
    this.next = start + (bytes / this.rate) * 1000;
    // allow a 20 ms burst so timers are not needed for every chunk
    const wait = this.next - now - 20;
    if (wait > 0) await sleep(wait);
  }
}
const link = new Bucket(linkRate);
/** One bucket per connection (keep-alive sockets carry many requests). */
const buckets = new WeakMap();

/** Reads and discards a request body through the rate caps. */
async function drain(req) {
  const conn = buckets.get(req.socket) ?? new Bucket(connRate);
  buckets.set(req.socket, conn);
  let bytes = 0;
  for await (const chunk of req) {
    bytes += chunk.length;
    if (connRate || linkRate) await Promise.all([conn.take(chunk.length), link.take(chunk.length)]);
  }
  stats.bodyBytes += bytes;
  return bytes;
}

function xml(res, status, body) {
  const text = `<?xml version="1.0" encoding="UTF-8"?>\n${body}`;
  res.writeHead(status, {
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

const server = createServer(async (req, res) => {
  stats.requests++;
  const url = new URL(req.url ?? '/', 'http://sink');
  const q = url.searchParams;
  const [, bucket = '', ...rest] = url.pathname.split('/');
  const key = rest.join('/');
  try {
    if (url.pathname === '/__stats') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(stats));
      return;
    }
    if (latencyMs) await sleep(latencyMs);
    const method = req.method ?? 'GET';
    if (method === 'PUT') {
      const size = await drain(req);
      if (q.has('partNumber')) stats.parts++;
      else stats.objects++;
      // a made-up ETag: hashing would make the sink, not the client, the bottleneck
      res.writeHead(200, {
        etag: `"${q.get('partNumber') ?? 0}-${size}-${randomBytes(4).toString('hex')}"`,
        'content-length': 0,
      });
      res.end();
      return;
    }
    await drain(req);
    if (method === 'POST' && q.has('uploads')) {
      const id = randomBytes(16).toString('hex');
      return xml(
        res,
        200,
        `<InitiateMultipartUploadResult><Bucket>${bucket}</Bucket><Key>${key}</Key><UploadId>${id}</UploadId></InitiateMultipartUploadResult>`,
      );
    }
    if (method === 'POST' && q.has('uploadId')) {
      stats.objects++;
      return xml(
        res,
        200,
        `<CompleteMultipartUploadResult><Bucket>${bucket}</Bucket><Key>${key}</Key><ETag>"done"</ETag></CompleteMultipartUploadResult>`,
      );
    }
    if (method === 'DELETE') {
      res.writeHead(204);
      res.end();
      return;
    }
    if (method === 'GET' && q.has('uploadId')) {
      return xml(
        res,
        200,
        `<ListPartsResult><Bucket>${bucket}</Bucket><Key>${key}</Key><UploadId>${q.get('uploadId')}</UploadId><IsTruncated>false</IsTruncated></ListPartsResult>`,
      );
    }
    if (method === 'GET' && key === '') {
      return xml(
        res,
        200,
        `<ListBucketResult><Name>${bucket}</Name><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated></ListBucketResult>`,
      );
    }
    if (method === 'HEAD') {
      res.writeHead(404);
      res.end();
      return;
    }
    xml(
      res,
      404,
      '<Error><Code>NoSuchKey</Code><Message>The sink stores nothing.</Message></Error>',
    );
  } catch (error) {
    if (!res.headersSent)
      xml(res, 500, `<Error><Code>InternalError</Code><Message>${String(error)}</Message></Error>`);
    else res.destroy();
  }
});
server.keepAliveTimeout = 30_000;
server.listen(Number(values.port), '127.0.0.1', () => {
  const { port } = server.address();
  process.stdout.write(
    `${JSON.stringify({ url: `http://127.0.0.1:${port}`, pid: process.pid })}\n`,
  );
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
