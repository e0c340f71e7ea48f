import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { amzDate, parseAmzDate } from './ids.js';
import type { IssuedSecrets } from './secrets.js';

export const PRESIGN_ACCESS_KEY = 'SANDBOXPRESIGNED';
/** Query parameter that tells apart re-issues of a revoked URL; never forwarded to s3rver. */
export const REISSUE_PARAM = 'x-sandbox-reissue';

const encodeKey = (key: string): string => key.split('/').map(encodeURIComponent).join('/');

/**
 * Presigned download URLs for the results bucket. They look like SigV4 query-signed URLs; the
 * signature is an HMAC-SHA256 of our own over path + query, checked by the S3 proxy.
 */
export class Presigner {
  private readonly secret = randomBytes(32);
  private generation = 0;
  /** Signatures of URLs expired one by one (chaos `expire-url`). */
  private readonly revoked = new Set<string>();

  /** Origin of the S3 proxy; set once the proxy listens. */
  baseUrl = '';

  constructor(
    private readonly ttlSeconds: number,
    private readonly secrets?: IssuedSecrets,
  ) {}

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
    let signature = this.signature(this.generation, path, params).toString('hex');
    // A URL expired by chaos must not come back when the same object is signed again within the
    // same second (X-Amz-Date has second precision): re-issues differ by a marker parameter.
    for (let reissue = 1; this.revoked.has(signature); reissue++) {
      params.set(REISSUE_PARAM, String(reissue));
      signature = this.signature(this.generation, path, params).toString('hex');
    }
    params.set('X-Amz-Signature', signature);
    this.secrets?.add(signature);
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
    if (this.revoked.has(params.get('X-Amz-Signature') ?? '')) return 'expired';
    if (!matches(this.generation)) {
      for (let gen = this.generation - 1; gen >= 0; gen--) if (matches(gen)) return 'expired';
      return 'invalid';
    }
    const issued = parseAmzDate(params.get('X-Amz-Date') ?? '');
    const expires = Number(params.get('X-Amz-Expires'));
    if (issued === undefined || !Number.isFinite(expires)) return 'invalid';
    return nowMs > issued + expires * 1000 ? 'expired' : 'ok';
  }

  /** Expires the URL carrying this signature now, whatever its X-Amz-Expires says. */
  revoke(signature: string): void {
    this.revoked.add(signature);
  }

  expireAll(): void {
    this.generation++;
  }
}
