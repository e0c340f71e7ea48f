import { createHash } from 'node:crypto';
import http, { type IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';

const encodeKey = (key: string): string => key.split('/').map(encodeURIComponent).join('/');

/** Internal (anonymous) client of the in-process s3rver, used to write deliverables and read objects. */
export class ObjectStore {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  request(
    method: string,
    bucket: string,
    key: string,
    headers: Record<string, string> = {},
  ): http.ClientRequest {
    return http.request({
      host: this.host,
      port: this.port,
      method,
      path: `/${bucket}/${encodeKey(key)}`,
      headers,
      agent: this.agent,
    });
  }

  private response(req: http.ClientRequest): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      req.once('response', resolve);
      req.once('error', reject);
    });
  }

  async put(bucket: string, key: string, body: Buffer): Promise<void> {
    const req = this.request('PUT', bucket, key, {
      'Content-Length': String(body.length),
      'Content-Type': 'binary/octet-stream',
    });
    const pending = this.response(req);
    req.end(body);
    const res = await pending;
    res.resume();
    if (res.statusCode !== 200) throw new Error(`s3rver PUT ${bucket}/${key}: ${res.statusCode}`);
  }

  /** Streams `body` into an object; returns its size and sha256. */
  async putStream(
    bucket: string,
    key: string,
    body: Readable,
    length: number,
  ): Promise<{ size: number; sha256: string }> {
    const req = this.request('PUT', bucket, key, {
      'Content-Length': String(length),
      'Content-Type': 'binary/octet-stream',
    });
    const pending = this.response(req);
    const hash = createHash('sha256');
    let size = 0;
    body.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      size += chunk.length;
    });
    body.once('error', (err) => req.destroy(err));
    body.pipe(req);
    const res = await pending;
    res.resume();
    if (res.statusCode !== 200) throw new Error(`s3rver PUT ${bucket}/${key}: ${res.statusCode}`);
    return { size, sha256: hash.digest('hex') };
  }

  async head(bucket: string, key: string): Promise<{ size: number } | undefined> {
    const req = this.request('HEAD', bucket, key);
    const pending = this.response(req);
    req.end();
    const res = await pending;
    res.resume();
    if (res.statusCode !== 200) return undefined;
    return { size: Number(res.headers['content-length'] ?? 0) };
  }

  /** Streaming GET; undefined when the object does not exist. */
  async getStream(bucket: string, key: string): Promise<IncomingMessage | undefined> {
    const req = this.request('GET', bucket, key);
    const pending = this.response(req);
    req.end();
    const res = await pending;
    if (res.statusCode !== 200) {
      res.resume();
      return undefined;
    }
    return res;
  }

  async get(bucket: string, key: string): Promise<Buffer | undefined> {
    const res = await this.getStream(bucket, key);
    if (!res) return undefined;
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  /** sha256 and size of a stored object, streamed. */
  async digest(bucket: string, key: string): Promise<{ size: number; sha256: string } | undefined> {
    const res = await this.getStream(bucket, key);
    if (!res) return undefined;
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of res) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
    return { size, sha256: hash.digest('hex') };
  }

  /** Keys (and sizes) under a prefix, every page; undefined when the bucket does not exist. */
  async list(
    bucket: string,
    prefix: string,
  ): Promise<Array<{ key: string; size: number }> | undefined> {
    const out: Array<{ key: string; size: number }> = [];
    let token: string | undefined;
    do {
      const query = new URLSearchParams({ 'list-type': '2', prefix, 'max-keys': '1000' });
      if (token) query.set('continuation-token', token);
      const req = http.request({
        host: this.host,
        port: this.port,
        method: 'GET',
        path: `/${encodeURIComponent(bucket)}?${query}`,
        agent: this.agent,
      });
      const pending = this.response(req);
      req.end();
      const res = await pending;
      const chunks: Buffer[] = [];
      for await (const chunk of res) chunks.push(chunk as Buffer);
      if (res.statusCode === 404) return undefined;
      if (res.statusCode !== 200) throw new Error(`s3rver LIST ${bucket}: ${res.statusCode}`);
      const xml = Buffer.concat(chunks).toString('utf8');
      for (const m of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
        const key = /<Key>([\s\S]*?)<\/Key>/.exec(m[1]!)?.[1];
        const size = /<Size>(\d+)<\/Size>/.exec(m[1]!)?.[1];
        if (key !== undefined) out.push({ key: unescapeXml(key), size: Number(size ?? 0) });
      }
      const truncated = /<IsTruncated>true<\/IsTruncated>/.test(xml);
      token = truncated
        ? unescapeXml(
            /<NextContinuationToken>([^<]*)<\/NextContinuationToken>/.exec(xml)?.[1] ?? '',
          )
        : undefined;
    } while (token);
    return out;
  }

  close(): void {
    this.agent.destroy();
  }
}

function unescapeXml(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}
