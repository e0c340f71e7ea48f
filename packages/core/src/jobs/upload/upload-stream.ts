import { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import type { GencoveClient } from '../../client.js';
import { AbortError, ResponseShapeError } from '../../errors.js';
import { loadS3Sdk } from '../../s3-sdk.js';
import { TransferBudget } from '../../transfer/budget.js';
import { hasFastqExtension } from '../destination.js';
import { BufferPool } from './buffer-pool.js';
import { UploadCredentialProvider } from './credentials.js';
import { S3TransferError, UploadInputError } from './errors.js';
import {
  choosePartSize,
  DEFAULT_PART_SIZE,
  MAX_PART_SIZE,
  MAX_PARTS,
  MIB,
  MIN_PART_SIZE,
} from './part-size.js';
import { createUploadS3Client } from './s3-client.js';
import { type S3RetryOptions, type S3RetryReason, s3ErrorName, withS3Retry } from './s3-retry.js';
import { crc32Base64 } from './source-stream.js';
import { StreamPartReader } from './stream-parts.js';

/** Parts in flight at once when no budget is given: memory ≈ this many parts. */
export const DEFAULT_STREAM_PARTS_IN_FLIGHT = 4;
/** Without a known size, part sizes double every this many parts (any object up to 5 TiB fits). */
const PARTS_PER_SIZE_STEP = 1000;

export interface UploadStreamOptions {
  /** `gncv://folder/<client id>_R1.fastq.gz`: the full path of the one file. */
  destinationPath: string;
  /**
   * The bytes. The job owns the stream from now on: it is read as parts are sent (backpressure,
   * never buffered whole), and destroyed when the upload is skipped, fails or is aborted. Bytes
   * already in memory may be given as they are.
   */
  body: Readable | Uint8Array;
  /** The length, when known: checked against what the stream delivers and used for part sizes. */
  size?: number;
  /** S3 endpoint override; default the client's `s3Endpoint`. */
  s3Endpoint?: string;
  /**
   * Connections and part-buffer memory, shared with other transfers of the caller if it likes.
   * Default: 4 connections and 4 parts of memory.
   */
  budget?: TransferBudget;
  /** Upload credentials to share between several calls (one `upload-credentials` POST). */
  credentials?: UploadCredentialProvider;
  /** Preferred part size (5 MiB … 5 GiB); raised for objects that would need over 10 000 parts. Default 8 MiB. */
  partSize?: number;
  signal?: AbortSignal;
  onEvent?: (event: UploadStreamEvent) => void;
}

export type UploadStreamEvent =
  | { type: 'credentials'; expiresAt: string; refreshed: boolean }
  /** The upload slot is reserved; `skipped` when the server already has the file. */
  | { type: 'stream-reserved'; destinationPath: string; uploadId: string; skipped: boolean }
  /** A part (or the single object) is stored on S3. */
  | { type: 'stream-progress'; destinationPath: string; part: number; bytes: number }
  | {
      type: 'stream-retry';
      destinationPath: string;
      operation: string;
      attempt: number;
      delayMs: number;
      reason: S3RetryReason;
      error: string;
    }
  | {
      type: 'stream-done';
      destinationPath: string;
      uploadId: string;
      bytes: number;
      parts: number;
    };

export interface UploadStreamResult {
  /** The upload as reserved (`status` is the one `uploads-post-data` answered). */
  upload: { id: string; destination_path: string; status: string };
  /** Bytes sent (0 when skipped). */
  bytes: number;
  /** The server already had this destination path uploaded (`succeeded`): nothing was read or sent. */
  skipped: boolean;
}

interface Part {
  data: Buffer;
  free: () => void;
}

interface StreamJob {
  s3: S3Client;
  bucket: string;
  key: string;
  destinationPath: string;
  size: number | undefined;
  partSizeOf: (n: number) => number;
  reader: StreamPartReader;
  budget: TransferBudget;
  pool: BufferPool;
  credentials: UploadCredentialProvider;
  signal: AbortSignal;
  /** Fails the job at once (the body is destroyed, waits are cancelled). */
  stop: () => void;
  emit: (event: UploadStreamEvent) => void;
  redact: (text: string) => string;
}

/**
 * Uploads one FASTQ from a byte stream (an HTTP body, an SFTP read, n8n binary data): reserves
 * the destination path with `uploads-post-data`, skips it when the server already has it, then
 * sends it to the reserved S3 slot — one PUT when it fits one part, else a multipart upload whose
 * parts are read from the stream only as budget frees up, so memory stays at a few parts whatever
 * the size. The S3 retry policy, credential refresh and part sizes are the upload job's. Unlike
 * local files, a stream cannot be resumed: a failed upload is aborted on S3 and starts over.
 */
export async function uploadStream(
  client: GencoveClient,
  options: UploadStreamOptions,
): Promise<UploadStreamResult> {
  const { destinationPath } = options;
  const body = options.body instanceof Uint8Array ? Readable.from([options.body]) : options.body;
  const emit = (event: UploadStreamEvent) => {
    try {
      options.onEvent?.(event);
    } catch {
      // a failing listener must not break the transfer
    }
  };
  const jobAbort = new AbortController();
  const signal = options.signal
    ? AbortSignal.any([options.signal, jobAbort.signal])
    : jobAbort.signal;
  const destroyBody = () => {
    if (!body.destroyed) body.destroy();
  };
  signal.addEventListener('abort', destroyBody, { once: true });
  try {
    const preferred = checkInput(options);
    const slot = await client.createUpload(destinationPath, { signal });
    const upload = {
      id: slot.id,
      destination_path: slot.destination_path ?? destinationPath,
      status: slot.last_status?.status ?? '',
    };
    if (slot.last_status?.status === 'succeeded') {
      emit({ type: 'stream-reserved', destinationPath, uploadId: slot.id, skipped: true });
      destroyBody();
      return { upload, bytes: 0, skipped: true };
    }
    if (!slot.s3?.bucket || !slot.s3.object_name) {
      throw new ResponseShapeError(
        `uploads-post-data returned no S3 location for ${destinationPath}`,
        { field: 's3' },
      );
    }
    emit({ type: 'stream-reserved', destinationPath, uploadId: slot.id, skipped: false });

    const credentials =
      options.credentials ??
      new UploadCredentialProvider({
        fetch: (sig) => client.getUploadCredentials({ signal: sig ?? signal }),
        signal,
        onFetched: (expiresAt, refreshed) =>
          emit({ type: 'credentials', expiresAt: expiresAt.toISOString(), refreshed }),
      });
    const partSizeOf = partSizes(options.size, preferred);
    const budget =
      options.budget ??
      new TransferBudget({
        maxConnections: DEFAULT_STREAM_PARTS_IN_FLIGHT,
        maxBufferBytes: DEFAULT_STREAM_PARTS_IN_FLIGHT * bufferSize(partSizeOf(1)),
      });
    const s3 = await createUploadS3Client({
      endpoint: options.s3Endpoint ?? client.s3Endpoint,
      credentials,
      maxSockets: budget.connections.capacity,
    });
    const job: StreamJob = {
      s3,
      bucket: slot.s3.bucket,
      key: slot.s3.object_name,
      destinationPath,
      size: options.size,
      partSizeOf,
      reader: new StreamPartReader(body),
      budget,
      pool: new BufferPool(budget.memory.capacity),
      credentials,
      signal,
      stop: () => jobAbort.abort(),
      emit,
      redact: (text) => client.redact(text),
    };
    try {
      const sent = await sendStream(job);
      emit({ type: 'stream-done', destinationPath, uploadId: slot.id, ...sent });
      return { upload, bytes: sent.bytes, skipped: false };
    } finally {
      s3.destroy();
    }
  } catch (error) {
    destroyBody();
    if (options.signal?.aborted && !(error instanceof AbortError)) {
      throw new AbortError('The upload was interrupted');
    }
    throw error;
  } finally {
    signal.removeEventListener('abort', destroyBody);
  }
}

/** Validates the options before any request; returns the preferred part size. */
function checkInput(options: UploadStreamOptions): number {
  const { destinationPath: path, size } = options;
  const name = path.slice(path.lastIndexOf('/') + 1);
  if (!path.startsWith('gncv://') || name === '' || !hasFastqExtension(name)) {
    throw new UploadInputError(
      `Invalid destination path "${path}": it must be gncv://<folder>/<file name> with a .fastq.gz, .fastq.bgz, .fq.gz or .fq.bgz name.`,
    );
  }
  if (size !== undefined && !(Number.isSafeInteger(size) && size >= 0)) {
    throw new UploadInputError(`Invalid size ${size} for ${path}: a whole number of bytes.`);
  }
  const preferred = options.partSize ?? DEFAULT_PART_SIZE;
  if (!(Number.isSafeInteger(preferred) && preferred >= MIN_PART_SIZE)) {
    throw new UploadInputError(`Invalid part size ${preferred}: at least ${MIN_PART_SIZE} bytes.`);
  }
  return Math.min(preferred, MAX_PART_SIZE);
}

/** Size of part `n`: uniform when the length is known, else growing so any object fits. */
function partSizes(size: number | undefined, preferred: number): (n: number) => number {
  if (size !== undefined) {
    const uniform = choosePartSize(size, preferred);
    return () => uniform;
  }
  return (n) => Math.min(MAX_PART_SIZE, preferred * 2 ** Math.floor((n - 1) / PARTS_PER_SIZE_STEP));
}

/** Whole MiB, so that the pooled buffers of full parts are reused. */
const bufferSize = (length: number) => Math.ceil(length / MIB) * MIB;

async function sendStream(job: StreamJob): Promise<{ bytes: number; parts: number }> {
  const first = await readPart(job, 1, job.signal);
  let ended: boolean;
  try {
    ended = await job.reader.ended();
  } catch (error) {
    first.free();
    throw error;
  }
  if (!ended) return sendMultipart(job, first);
  try {
    checkLength(job, first.data.length, true);
    await putSingle(job, first);
  } finally {
    first.free();
  }
  return { bytes: first.data.length, parts: 1 };
}

/** Waits for memory (backpressure on the stream), then reads part `n` into a pooled buffer. */
async function readPart(job: StreamJob, n: number, signal: AbortSignal): Promise<Part> {
  const want = job.partSizeOf(n);
  const size = bufferSize(want);
  const releaseMemory = await job.budget.memory.acquire(size, signal);
  const buffer = job.pool.take(size);
  const free = () => {
    job.pool.give(buffer);
    releaseMemory();
  };
  try {
    const length = await job.reader.fill(buffer.subarray(0, want));
    checkLength(job, job.reader.bytesRead, false);
    return { data: buffer.subarray(0, length), free };
  } catch (error) {
    free();
    throw error;
  }
}

/** The stream must deliver exactly `size` bytes when a size was given. */
function checkLength(job: StreamJob, bytes: number, atEnd: boolean): void {
  if (job.size === undefined) return;
  if (bytes > job.size) {
    throw new UploadInputError(
      `The data for ${job.destinationPath} is longer than its announced size of ${job.size} bytes; nothing was stored.`,
    );
  }
  if (atEnd && bytes < job.size) {
    throw new UploadInputError(
      `The data for ${job.destinationPath} ended after ${bytes} of its announced ${job.size} bytes; nothing was stored.`,
    );
  }
}

function retryOptions(job: StreamJob, operation: string, signal: AbortSignal): S3RetryOptions {
  return {
    what: `${operation} ${job.destinationPath}`,
    signal,
    credentials: job.credentials,
    redact: job.redact,
    onRetry: (info) =>
      job.emit({
        type: 'stream-retry',
        destinationPath: job.destinationPath,
        operation,
        attempt: info.attempt,
        delayMs: info.delayMs,
        reason: info.reason,
        error: job.redact(info.error),
      }),
  };
}

async function putSingle(job: StreamJob, part: Part): Promise<void> {
  const { PutObjectCommand } = await loadS3Sdk();
  const checksum = crc32Base64(part.data);
  const release = await job.budget.connections.acquire(1, job.signal);
  try {
    await withS3Retry(
      () =>
        job.s3.send(
          new PutObjectCommand({
            Bucket: job.bucket,
            Key: job.key,
            Body: part.data,
            ContentLength: part.data.length,
            ChecksumCRC32: checksum,
          }),
          { abortSignal: job.signal },
        ),
      retryOptions(job, 'upload', job.signal),
    );
  } finally {
    release();
  }
  job.emit({
    type: 'stream-progress',
    destinationPath: job.destinationPath,
    part: 1,
    bytes: part.data.length,
  });
}

type CompletedPart = { PartNumber: number; ETag: string; ChecksumCRC32?: string };

async function sendMultipart(
  job: StreamJob,
  first: Part,
): Promise<{ bytes: number; parts: number }> {
  const { CreateMultipartUploadCommand } = await loadS3Sdk();
  let uploadId: string;
  try {
    const created = await withS3Retry(
      () =>
        job.s3.send(
          new CreateMultipartUploadCommand({
            Bucket: job.bucket,
            Key: job.key,
            ChecksumAlgorithm: 'CRC32',
          }),
          { abortSignal: job.signal },
        ),
      retryOptions(job, 'start the multipart upload of', job.signal),
    );
    if (!created.UploadId) {
      throw new S3TransferError('S3 returned no UploadId for a multipart upload');
    }
    uploadId = created.UploadId;
  } catch (error) {
    first.free();
    throw error;
  }

  const parts: CompletedPart[] = [];
  const inFlight: Promise<void>[] = [];
  let failure: unknown;
  const fail = (error: unknown) => {
    failure ??= error;
    job.stop();
  };
  let part: Part | undefined = first;
  let n = 1;
  let bytes = 0;
  try {
    while (part) {
      const current: Part = part;
      const number = n;
      bytes += current.data.length;
      inFlight.push(
        sendPart(job, uploadId, number, current.data)
          .then((done) => void parts.push(done), fail)
          .finally(current.free),
      );
      part = undefined;
      if (failure !== undefined || (await job.reader.ended())) break;
      if (++n > MAX_PARTS) {
        throw new UploadInputError(
          `The data for ${job.destinationPath} needs more than ${MAX_PARTS} parts; give its size.`,
        );
      }
      part = await readPart(job, n, job.signal);
    }
  } catch (error) {
    fail(error);
  }
  await Promise.allSettled(inFlight);
  try {
    if (job.signal.aborted && failure === undefined) throw new AbortError();
    if (failure !== undefined) throw failure;
    checkLength(job, bytes, true);
    parts.sort((a, b) => a.PartNumber - b.PartNumber);
    await complete(job, uploadId, parts, bytes);
  } catch (error) {
    await abortMultipart(job, uploadId);
    throw error;
  }
  return { bytes, parts: parts.length };
}

async function sendPart(
  job: StreamJob,
  uploadId: string,
  n: number,
  data: Buffer,
): Promise<CompletedPart> {
  const { UploadPartCommand } = await loadS3Sdk();
  const checksum = crc32Base64(data);
  const release = await job.budget.connections.acquire(1, job.signal);
  try {
    const res = await withS3Retry(
      () =>
        job.s3.send(
          new UploadPartCommand({
            Bucket: job.bucket,
            Key: job.key,
            UploadId: uploadId,
            PartNumber: n,
            Body: data,
            ContentLength: data.length,
            ChecksumCRC32: checksum,
          }),
          { abortSignal: job.signal },
        ),
      retryOptions(job, `upload part ${n} of`, job.signal),
    );
    if (!res.ETag) throw new S3TransferError(`S3 returned no ETag for part ${n}`);
    job.emit({
      type: 'stream-progress',
      destinationPath: job.destinationPath,
      part: n,
      bytes: data.length,
    });
    return {
      PartNumber: n,
      ETag: res.ETag,
      ...(res.ChecksumCRC32 ? { ChecksumCRC32: res.ChecksumCRC32 } : {}),
    };
  } finally {
    release();
  }
}

async function complete(
  job: StreamJob,
  uploadId: string,
  parts: CompletedPart[],
  bytes: number,
): Promise<void> {
  const { CompleteMultipartUploadCommand, HeadObjectCommand } = await loadS3Sdk();
  await withS3Retry(
    async (attempt) => {
      try {
        await job.s3.send(
          new CompleteMultipartUploadCommand({
            Bucket: job.bucket,
            Key: job.key,
            UploadId: uploadId,
            MultipartUpload: { Parts: parts },
          }),
          { abortSignal: job.signal },
        );
      } catch (error) {
        // a retry after a completion whose answer was lost: the object is there already
        if (s3ErrorName(error) === 'NoSuchUpload' && attempt > 1) {
          const head = await job.s3
            .send(new HeadObjectCommand({ Bucket: job.bucket, Key: job.key }), {
              abortSignal: job.signal,
            })
            .catch(() => undefined);
          if (head?.ContentLength === bytes) return;
        }
        throw error;
      }
    },
    retryOptions(job, 'complete the multipart upload of', job.signal),
  );
}

/** Best effort: S3 drops the parts sent so far (nothing half-done is left behind). */
async function abortMultipart(job: StreamJob, uploadId: string): Promise<void> {
  const { AbortMultipartUploadCommand } = await loadS3Sdk();
  await job.s3
    .send(new AbortMultipartUploadCommand({ Bucket: job.bucket, Key: job.key, UploadId: uploadId }))
    .catch(() => undefined);
}
