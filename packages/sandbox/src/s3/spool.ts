import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AwsChunkedDecoder, AwsChunkedError } from './chunked.js';

/** Why a request body was not accepted whole; `code` is the S3 error code to answer. */
export class BodyRejected extends Error {
  constructor(
    readonly code: 'IncompleteBody' | 'InvalidRequest',
    message: string,
  ) {
    super(message);
  }
}

export interface SpooledBody {
  path: string;
  size: number;
  /** Removes the spooled file (idempotent, never throws). */
  discard(): Promise<void>;
}

class ByteCounter extends Transform {
  size = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    this.size += chunk.length;
    callback(null, chunk);
  }
}

/**
 * Receives an object write's body (PutObject / UploadPart) into a file of its own before anything
 * reaches s3rver, and accepts it only when it arrived whole: the HTTP message completed, the bytes
 * match `Content-Length`, and an `aws-chunked` body reached its final chunk and decodes to
 * `x-amz-decoded-content-length`. S3 never stores a partial PUT and keeps the earlier object; s3rver
 * writes straight into the object's file, so a body cut short there would replace the object with a
 * truncated one. Spooling makes the write all-or-nothing. Streams end to end (bounded memory).
 * Rejects with BodyRejected (nothing kept) when the body is incomplete or malformed, including when
 * the client goes away mid-body.
 */
export async function spoolBody(
  req: IncomingMessage,
  dir: string,
  awsChunked: boolean,
): Promise<SpooledBody> {
  const path = join(dir, randomUUID());
  const discard = () => rm(path, { force: true }).catch(() => undefined);
  const counter = new ByteCounter();
  const decoder = awsChunked ? new AwsChunkedDecoder() : undefined;
  try {
    if (decoder) await pipeline(req, decoder, counter, createWriteStream(path));
    else await pipeline(req, counter, createWriteStream(path));
  } catch (err) {
    await discard();
    if (err instanceof AwsChunkedError) throw new BodyRejected(err.code, err.message);
    throw new BodyRejected(
      'IncompleteBody',
      'The request body terminated unexpectedly (the client went away mid-body).',
    );
  }
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  const decoded = Number(req.headers['x-amz-decoded-content-length'] ?? Number.NaN);
  const received = decoder ? decoder.received : counter.size;
  const problem = !req.complete
    ? 'The request body terminated unexpectedly.'
    : Number.isFinite(declared) && received !== declared
      ? 'You did not provide the number of bytes specified by the Content-Length HTTP header.'
      : decoder && Number.isFinite(decoded) && counter.size !== decoded
        ? 'The decoded aws-chunked body does not have the length of x-amz-decoded-content-length.'
        : undefined;
  if (problem) {
    await discard();
    throw new BodyRejected('IncompleteBody', problem);
  }
  return { path, size: counter.size, discard };
}
