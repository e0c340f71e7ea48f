import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Lifecycle } from './lifecycle.js';
import { isLoopbackHost } from './loopback.js';
import type { ObjectStore } from './s3/objects.js';
import { SANDBOX_FETCH_AGENT } from './s3/proxy.js';

export type FetchOutcome = { ok: true; size: number } | { ok: false; note: string };

const UNREACHABLE = 'could not fetch source URL: host not reachable from the sandbox';

/** The URL without its query (which may carry a signature) — safe to show in notes. */
const safeUrl = (url: URL): string => `${url.protocol}//${url.host}${url.pathname}`;

async function readSome(res: IncomingMessage, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res) {
    if (size < max) chunks.push(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, max);
}

/**
 * Fetches the source URL of a URL-imported upload into the uploads bucket. Only loopback hosts are
 * fetched: the sandbox never sends traffic off the machine.
 */
export async function fetchSource(
  source: string,
  objects: ObjectStore,
  bucket: string,
  key: string,
  lifecycle: Lifecycle,
): Promise<FetchOutcome> {
  let url: URL;
  try {
    url = new URL(source);
  } catch {
    return { ok: false, note: 'could not fetch source URL: invalid URL' };
  }
  if (!['http:', 'https:'].includes(url.protocol) || !isLoopbackHost(url.hostname)) {
    return { ok: false, note: UNREACHABLE };
  }
  const client = url.protocol === 'https:' ? https : http;
  let res: IncomingMessage;
  try {
    res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = client.get(
        url,
        {
          timeout: 30_000,
          signal: lifecycle.abort.signal,
          headers: { 'user-agent': SANDBOX_FETCH_AGENT },
        },
        resolve,
      );
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', reject);
    });
  } catch (err) {
    return {
      ok: false,
      note: `could not fetch source URL ${safeUrl(url)}: ${(err as Error).message}`,
    };
  }
  const status = res.statusCode ?? 0;
  if (status !== 200) {
    const text = await readSome(res, 4096).catch(() => '');
    const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
    const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1];
    const reason = code ? ` (${code}${message ? `: ${message}` : ''})` : '';
    const expired = /expired/i.test(text) ? ' — the URL has expired' : '';
    return {
      ok: false,
      note: `could not fetch source URL ${safeUrl(url)}: HTTP ${status} ${http.STATUS_CODES[status] ?? ''}${reason}${expired}`.trim(),
    };
  }
  const length = Number(res.headers['content-length']);
  try {
    if (Number.isFinite(length)) {
      const { size } = await objects.putStream(bucket, key, res, length);
      if (size !== length) throw new Error(`body ended after ${size} of ${length} bytes`);
      return { ok: true, size };
    }
    // no Content-Length: collect (URL imports in tests are small)
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    await objects.put(bucket, key, body);
    return { ok: true, size: body.length };
  } catch (err) {
    return {
      ok: false,
      note: `could not fetch source URL ${safeUrl(url)}: ${(err as Error).message}`,
    };
  }
}
