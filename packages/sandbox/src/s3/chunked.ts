import { Transform, type TransformCallback } from 'node:stream';

/** A malformed (`InvalidRequest`) or cut-short (`IncompleteBody`) aws-chunked body. */
export class AwsChunkedError extends Error {
  constructor(
    readonly code: 'IncompleteBody' | 'InvalidRequest',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Decodes an `aws-chunked` request body (SigV4 streaming, signed or unsigned, with or without
 * trailing checksums) into the raw object bytes. Chunk signatures and trailers are accepted without
 * verification — like the rest of the proxy, this checks credentials, not payload signatures.
 */
export class AwsChunkedDecoder extends Transform {
  private state: 'size' | 'data' | 'crlf' | 'trailer' = 'size';
  private line = '';
  private remaining = 0;
  private crlfLeft = 0;
  /** Encoded bytes received (what `Content-Length` counts). */
  received = 0;

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    this.received += chunk.length;
    let i = 0;
    try {
      while (i < chunk.length) {
        if (this.state === 'size') {
          const nl = chunk.indexOf(0x0a, i);
          const end = nl < 0 ? chunk.length : nl;
          this.line += chunk.toString('latin1', i, end);
          if (this.line.length > 4096)
            throw new AwsChunkedError('InvalidRequest', 'aws-chunked: size line too long');
          i = end;
          if (nl < 0) break;
          i = nl + 1;
          const size = Number.parseInt(this.line.replace(/\r$/, '').split(';')[0]!.trim(), 16);
          this.line = '';
          if (!Number.isFinite(size) || size < 0)
            throw new AwsChunkedError('InvalidRequest', 'aws-chunked: bad chunk size');
          if (size === 0) {
            this.state = 'trailer';
          } else {
            this.remaining = size;
            this.state = 'data';
          }
        } else if (this.state === 'data') {
          const take = Math.min(this.remaining, chunk.length - i);
          this.push(chunk.subarray(i, i + take));
          this.remaining -= take;
          i += take;
          if (this.remaining === 0) {
            this.state = 'crlf';
            this.crlfLeft = 2;
          }
        } else if (this.state === 'crlf') {
          const take = Math.min(this.crlfLeft, chunk.length - i);
          this.crlfLeft -= take;
          i += take;
          if (this.crlfLeft === 0) this.state = 'size';
        } else {
          // trailing headers (checksums) and the final CRLF: ignored
          i = chunk.length;
        }
      }
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  /** The body must end after its final (zero-length) chunk: anything else was cut short. */
  override _flush(callback: TransformCallback): void {
    if (this.state !== 'trailer') {
      callback(
        new AwsChunkedError('IncompleteBody', 'aws-chunked: the body ended before its final chunk'),
      );
      return;
    }
    callback();
  }
}

export function isAwsChunked(headers: Record<string, string | string[] | undefined>): boolean {
  const encoding = String(headers['content-encoding'] ?? '');
  const sha = String(headers['x-amz-content-sha256'] ?? '');
  return (
    encoding.split(',').some((e) => e.trim() === 'aws-chunked') || sha.startsWith('STREAMING-')
  );
}
