import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { amzDate, parseAmzDate } from './ids.js';

export const PRESIGN_ACCESS_KEY = 'SANDBOXPRESIGNED';

const encodeKey = (key: string): string => key.split('/').map(encodeURIComponent).join('/');

/**
 * Presigned download URLs for the results bucket. They look like SigV4 query-signed URLs; the
 * signature is an HMAC-SHA256 of our own over path + query, checked by the S3 proxy.
 */
export class Presigner {
  private readonly secret = randomBytes(32);
  private generation = 0;

  /** Origin of the S3 proxy; set once the proxy listens. */
  baseUrl = '';

  constructor(private readonly ttlSeconds: number) {}

  private signature(generation: number, path: string, params: URLSearchParams): Buffer {
    const canonical = [...params]
      .filter(([k]) => k !== 'X-Amz-Signature')
      .map(([k, v]) => `${k}=${v}`)
      .sort()
      .join('&');
    return createHmac('sha256', this.secret)
      .update(`${generation}\n${path}\n${canonical}`)
      .digest();
  }

  url(
    bucket: string,
    key: string,
    filename: string,
    nowMs = Date.now(),
    ttlSeconds = this.ttlSeconds,
  ): string {
    const path = `/${bucket}/${encodeKey(key)}`;
    const date = amzDate(nowMs);
    const params = new URLSearchParams({
      'response-content-disposition': `attachment; filename=${filename}`,
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': `${PRESIGN_ACCESS_KEY}/${date.slice(0, 8)}/us-east-1/s3/aws4_request`,
      'X-Amz-Date': date,
      'X-Amz-Expires': String(ttlSeconds),
      'X-Amz-SignedHeaders': 'host',
    });
    params.set('X-Amz-Signature', this.signature(this.generation, path, params).toString('hex'));
    return `${this.baseUrl}${path}?${params.toString()}`;
  }

  isOurs(params: URLSearchParams): boolean {
    return (params.get('X-Amz-Credential') ?? '').startsWith(`${PRESIGN_ACCESS_KEY}/`);
  }

  verify(path: string, params: URLSearchParams, nowMs = Date.now()): 'ok' | 'expired' | 'invalid' {
    const given = Buffer.from(params.get('X-Amz-Signature') ?? '', 'hex');
    const matches = (gen: number): boolean => {
      const expected = this.signature(gen, path, params);
      return given.length === expected.length && timingSafeEqual(given, expected);
    };
    if (!matches(this.generation)) {
      for (let gen = this.generation - 1; gen >= 0; gen--) if (matches(gen)) return 'expired';
      return 'invalid';
    }
    const issued = parseAmzDate(params.get('X-Amz-Date') ?? '');
    const expires = Number(params.get('X-Amz-Expires'));
    if (issued === undefined || !Number.isFinite(expires)) return 'invalid';
    return nowMs > issued + expires * 1000 ? 'expired' : 'ok';
  }

  expireAll(): void {
    this.generation++;
  }
}
