import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RetryPolicy } from '../src/http/retry.js';
import { type FetchContext, pumpRange } from '../src/jobs/download/fetch-range.js';
import { type DownloadSource, SampleUrls } from '../src/jobs/download/source.js';
import type { SampleDetail } from '../src/models.js';

/** A static-file server: honours Range unless the path says not to; counts connections. */
const data = randomBytes(8 * 1024 * 1024);
let server: Server;
let base = '';
let connections = 0;
let requests = 0;
beforeAll(async () => {
  server = createServer((req, res) => {
    requests++;
    if (req.url?.startsWith('/short-lived')) return serveShortLived(req, res);
    const m = /bytes=(\d+)-(\d*)/.exec(req.headers.range ?? '');
    if (!m || req.url === '/ignores-range') {
      res.writeHead(200, { 'content-length': data.length });
      res.end(data);
      return;
    }
    const start = Number(m[1]);
    const end = m[2] ? Number(m[2]) : data.length - 1;
    res.writeHead(206, {
      'content-length': end - start + 1,
      'content-range': `bytes ${start}-${end}/${data.length}`,
    });
    res.end(data.subarray(start, end + 1));
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
/**
 * `/short-lived?g=N`: each URL answers one request with 256 KiB of what it asked for, then cuts
 * the body; every later request to the same URL is refused (403), like an expired presigned URL.
 * `/short-lived?g=N&refuse`: refused from the start.
 */
const servedUrls = new Set<string>();
function serveShortLived(req: IncomingMessage, res: ServerResponse) {
  if (servedUrls.has(req.url!) || req.url!.includes('refuse')) {
    res.writeHead(403).end('Request has expired');
    return;
  }
  servedUrls.add(req.url!);
  const start = Number(/bytes=(\d+)-/.exec(req.headers.range ?? '')?.[1] ?? 0);
  res.writeHead(206, {
    'content-length': data.length - start,
    'content-range': `bytes ${start}-${data.length - 1}/${data.length}`,
  });
  res.write(data.subarray(start, start + 256 * 1024), () => res.socket?.destroy());
}

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const source = (path = '/file'): DownloadSource => ({
  label: 'the file',
  current: () => ({ url: `${base}${path}`, generation: 0 }),
  refresh: async () => {},
});
const context = (dispatcher = new Agent()): FetchContext => ({
  dispatcher,
  retry: new RetryPolicy({ sleep: async () => {} }),
  timeoutMs: 10_000,
});

describe('pumpRange (undici dispatch, chunks straight to the sink)', () => {
  it('delivers exactly the bytes asked for, also from a server that ignores Range', async () => {
    for (const path of ['/file', '/ignores-range']) {
      const got: Buffer[] = [];
      await pumpRange(
        { source: source(path), start: 1000, end: 3_000_001, info: {} },
        context(),
        (c) => {
          got.push(Buffer.from(c));
          return undefined;
        },
      );
      expect(Buffer.concat(got).equals(data.subarray(1000, 3_000_001))).toBe(true);
    }
  });

  it('a sink that answers with a promise pauses the connection until it settles', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let chunks = 0;
    let duringGate = 0;
    let gateOpen = false;
    const done = pumpRange({ source: source(), start: 0, info: {} }, context(), () => {
      chunks++;
      if (!gateOpen) duringGate++;
      return chunks === 1 ? gate : undefined;
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(duringGate).toBe(1); // nothing more arrived while the first chunk was being taken
    gateOpen = true;
    release();
    await done;
    expect(chunks).toBeGreaterThan(1);
  });

  it('a failing sink ends the transfer with its error, without a retry', async () => {
    const before = requests;
    const full = new Error('disk full');
    await expect(
      pumpRange({ source: source(), start: 0, info: {} }, context(), () => {
        throw full;
      }),
    ).rejects.toBe(full);
    await expect(
      pumpRange({ source: source(), start: 0, info: {} }, context(), () => Promise.reject(full)),
    ).rejects.toBe(full);
    expect(requests - before).toBe(2);
  });

  it('a range that arrives whole leaves its connection open for the next one', async () => {
    const ctx = context();
    const part = 1024 * 1024;
    const fetchPart = (start: number) =>
      pumpRange({ source: source(), start, end: start + part, info: {} }, ctx, () => undefined);
    // undici's pool may open a second socket while the first is handed back (request() does
    // the same); from then on, parts that end where they were asked to reuse the sockets.
    await fetchPart(0);
    await fetchPart(part);
    const before = connections;
    for (let start = 2 * part; start < data.length; start += part) await fetchPart(start);
    expect(connections - before).toBe(0);
    await ctx.dispatcher.close();
  });

  it('an abort stops the transfer at once', async () => {
    const abort = new AbortController();
    const pending = pumpRange(
      { source: source(), start: 0, info: {} },
      { ...context(), signal: abort.signal },
      () => {
        abort.abort();
        return new Promise<void>(() => {}); // a sink that never answers
      },
    );
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });

  describe('presigned URLs renewed through SampleUrls', () => {
    const sampleWith = (url: string): SampleDetail =>
      ({ id: 's1', files: [{ id: 'f1', file_type: 'bam', download_url: url }] }) as SampleDetail;
    const shortLived = (suffix: string) => {
      let generation = 0;
      let reads = 0;
      const urls = new SampleUrls(sampleWith(`${base}/short-lived?g=${suffix}0`), async () => {
        reads++;
        generation++;
        return sampleWith(`${base}/short-lived?g=${suffix}${generation}`);
      });
      return { urls, reads: () => reads };
    };

    it('a transfer outliving many short-lived URLs never runs out of refreshes', async () => {
      const { urls, reads } = shortLived('a');
      const got: Buffer[] = [];
      await pumpRange(
        {
          source: urls.source(urls.sample.files[0]!, 'the file'),
          start: 0,
          end: 4 << 20,
          info: {},
        },
        context(),
        (c) => {
          got.push(Buffer.from(c));
          return undefined;
        },
      );
      expect(Buffer.concat(got).equals(data.subarray(0, 4 << 20))).toBe(true);
      // 16 URLs of 256 KiB each: more than the 10 refreshes allowed in a row without a byte.
      expect(reads()).toBeGreaterThanOrEqual(15);
    });

    it('ten refusals in a row, each with a fresh URL, end with ERR_GENCOVE_URL_REFUSED', async () => {
      let reads = 0;
      const urls = new SampleUrls(sampleWith(`${base}/short-lived?refuse=0`), async () => {
        reads++;
        return sampleWith(`${base}/short-lived?refuse=${reads}`);
      });
      const error = await pumpRange(
        { source: urls.source(urls.sample.files[0]!, 'the file'), start: 0, end: 1024, info: {} },
        context(),
        () => undefined,
      ).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'ERR_GENCOVE_URL_REFUSED' });
      expect((error as Error).message).toMatch(/the file was refused \(403\) 10 times in a row/);
      expect(reads).toBe(10);
    });
  });
});
