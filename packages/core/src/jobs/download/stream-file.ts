import { PassThrough, type Readable } from 'node:stream';
import {
  type DownloadFileApi,
  type DownloadFileOptions,
  downloadSampleFile,
} from './download-file.js';
import type { FileOutcome } from './types.js';

export type StreamSampleFileOptions = Omit<DownloadFileOptions, 'destination' | 'checksum'>;

export interface SampleFileStream {
  /**
   * The bytes in order as they arrive, with backpressure. It ends only once the transfer is
   * verified; on any failure — a SHA-256 mismatch found after the last byte included — it is
   * destroyed with the error instead, so a consumer never sees a complete but wrong file.
   */
  stream: Readable;
  /** The outcome (`bytes`, `sha256`, `verified`), or the error the stream was destroyed with. */
  done: Promise<FileOutcome>;
}

/**
 * One deliverable (or the QC / metadata JSON) of one sample as a readable stream, for consumers
 * that take a stream rather than give one (n8n's binary data, an HTTP response): the transfer of
 * `downloadSampleFile` — presigned URL refreshed on 403, resumed ranges after dropped
 * connections, SHA-256 verified against the API — into a pipe.
 */
export function streamSampleFile(
  api: DownloadFileApi,
  options: StreamSampleFileOptions,
): SampleFileStream {
  const stream = new PassThrough();
  // The error reaches consumers through the destroyed stream (reads, pipeline) and `done`; an
  // 'error' event before the consumer has subscribed must not crash the process.
  stream.on('error', () => {});
  const done = downloadSampleFile(api, { ...options, destination: stream });
  done.then(
    () => stream.end(),
    (error: unknown) => stream.destroy(error instanceof Error ? error : new Error(String(error))),
  );
  return { stream, done };
}
