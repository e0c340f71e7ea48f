import type { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { AbortError } from '../../errors.js';
import { loadS3Sdk } from '../../s3-sdk.js';
import type { TransferBudget } from '../../transfer/budget.js';
import type { BufferPool } from './buffer-pool.js';
import type { UploadCredentialProvider } from './credentials.js';
import { S3TransferError } from './errors.js';
import type { UploadEvent } from './events.js';
import { choosePartSize, partCount, partRange } from './part-size.js';
import type { PlannedUpload } from './plan-types.js';
import { type CompletedPart, type ResumeHeader, ResumeJournal } from './resume-state.js';
import { type S3RetryOptions, s3ErrorName, withS3Retry } from './s3-retry.js';
import {
  assertUnchanged,
  crc32Base64,
  crc32OfRange,
  READ_CHUNK_BYTES,
  readInto,
  readRange,
  sameFile,
  viewStream,
} from './source-stream.js';

/** Memory a streamed request holds: its read chunks and socket buffers, not its part size. */
const STREAM_MEMORY_BYTES = 2 * READ_CHUNK_BYTES;

export interface TransferContext {
  s3: S3Client;
  credentials: UploadCredentialProvider;
  budget: TransferBudget;
  /** Folder of resume journals; no resume without it. */
  cacheDir?: string;
  preferredPartSize: number;
  /** Reusable part buffers. */
  pool: BufferPool;
  /** Parts up to this size are buffered in memory; larger ones stream from disk. */
  maxBufferedPart: number;
  /** Size of the pooled buffer for a part of `length` bytes (parts share buffers by size). */
  bufferSize: (length: number) => number;
  signal: AbortSignal;
  emit: (event: UploadEvent) => void;
  /** Scrubs known secrets from messages. */
  redact: (text: string) => string;
}

export interface TransferTarget {
  bucket: string;
  key: string;
  uploadId: string;
}

export interface TransferOutcome {
  bytesSent: number;
  resumedBytes: number;
}

interface FileJob {
  ctx: TransferContext;
  index: number;
  upload: PlannedUpload;
  target: TransferTarget;
}

/** Uploads one planned object: a single PUT when it fits one part, else resumable multipart. */
export async function transferFile(
  ctx: TransferContext,
  index: number,
  upload: PlannedUpload,
  target: TransferTarget,
): Promise<TransferOutcome> {
  const job: FileJob = { ctx, index, upload, target };
  await assertUnchanged(upload.sources);
  const partSize = choosePartSize(upload.size, ctx.preferredPartSize);
  if (upload.size <= partSize) return putSingle(job);
  try {
    return await putMultipart(job, partSize, true);
  } catch (error) {
    if (!(error instanceof StaleResumeError)) throw error;
    discarded(job, 'upload-gone');
    return putMultipart(job, partSize, false);
  }
}

/** The journal's upload turned out not to exist any more at completion time. */
class StaleResumeError extends Error {}

function ref(job: FileJob) {
  return { file: job.index, label: job.upload.label, destinationPath: job.upload.destinationPath };
}

function discarded(job: FileJob, reason: 'source-changed' | 'upload-gone' | 'layout-changed') {
  job.ctx.emit({ type: 'resume-discarded', ...ref(job), reason });
}

function retryOptions(job: FileJob, operation: string, signal: AbortSignal): S3RetryOptions {
  return {
    what: `${operation} ${job.upload.destinationPath}`,
    signal,
    credentials: job.ctx.credentials,
    redact: job.ctx.redact,
    onRetry: (info) =>
      job.ctx.emit({
        type: 'file-retry',
        ...ref(job),
        operation,
        attempt: info.attempt,
        delayMs: info.delayMs,
        reason: info.reason,
        error: job.ctx.redact(info.error),
      }),
  };
}

/**
 * Sends bytes `[start, end)` with their CRC32 through `send`, crediting progress as the body is
 * consumed and rolling it back when an attempt fails (it is then retried with a fresh body).
 * Parts that fit the memory budget are read once into a pooled buffer, checksummed in memory and
 * sent from it; larger parts (objects over ~234 GiB with the default budget) stream from disk,
 * checksummed in a first read.
 */
async function sendBody<T>(
  job: FileJob,
  start: number,
  end: number,
  signal: AbortSignal,
  send: (body: Readable, checksum: string, signal: AbortSignal) => Promise<T>,
  operation: string,
): Promise<T> {
  const { ctx } = job;
  const length = end - start;
  const buffered = ctx.bufferSize(length) <= ctx.maxBufferedPart;
  const bufferSize = ctx.bufferSize(length);
  const release = await ctx.budget.acquire(buffered ? bufferSize : STREAM_MEMORY_BYTES, signal);
  const buffer = buffered ? ctx.pool.take(bufferSize) : undefined;
  try {
    let data: Buffer | undefined;
    let checksum: string;
    if (buffer) {
      data = buffer.subarray(0, length);
      await readInto(job.upload.sources, start, end, data);
      checksum = crc32Base64(data);
    } else {
      checksum = await crc32OfRange(job.upload.sources, start, end, signal);
    }
    return await withS3Retry(
      () => sendAttempt(job, data, start, end, checksum, signal, send),
      retryOptions(job, operation, signal),
    );
  } finally {
    if (buffer) ctx.pool.give(buffer);
    release();
  }
}

/**
 * One attempt. A read error of a streamed body (e.g. the file shrank) aborts the request and is
 * what the attempt throws: the SDK pipes bodies without forwarding their errors.
 */
async function sendAttempt<T>(
  job: FileJob,
  data: Buffer | undefined,
  start: number,
  end: number,
  checksum: string,
  signal: AbortSignal,
  send: (body: Readable, checksum: string, signal: AbortSignal) => Promise<T>,
): Promise<T> {
  let sent = 0;
  let settled = false;
  let readError: unknown;
  const attempt = new AbortController();
  const onChunk = (chunk: Buffer) => {
    if (settled) return;
    sent += chunk.length;
    job.ctx.emit({ type: 'file-progress', ...ref(job), bytes: chunk.length });
  };
  const body = data
    ? viewStream(data, READ_CHUNK_BYTES, onChunk)
    : readRange(job.upload.sources, start, end, onChunk);
  body.once('error', (error) => {
    readError = error;
    attempt.abort();
  });
  try {
    const result = await send(body, checksum, AbortSignal.any([signal, attempt.signal]));
    settled = true;
    return result;
  } catch (error) {
    settled = true;
    // the request may still be writing its body after an early error response: tear it down so
    // its socket (and our buffer) are not held until the server times out
    attempt.abort();
    body.destroy();
    if (sent > 0) job.ctx.emit({ type: 'file-progress', ...ref(job), bytes: -sent });
    throw readError ?? error;
  }
}

async function putSingle(job: FileJob): Promise<TransferOutcome> {
  const { PutObjectCommand } = await loadS3Sdk();
  const { ctx, upload, target } = job;
  job.ctx.emit({
    type: 'file-start',
    ...ref(job),
    uploadId: target.uploadId,
    size: upload.size,
    resumedBytes: 0,
    parts: 1,
  });
  await sendBody(
    job,
    0,
    upload.size,
    ctx.signal,
    (body, checksum, signal) =>
      ctx.s3.send(
        new PutObjectCommand({
          Bucket: target.bucket,
          Key: target.key,
          Body: body,
          ContentLength: upload.size,
          ChecksumCRC32: checksum,
        }),
        { abortSignal: signal },
      ),
    'upload',
  );
  await assertUnchanged(upload.sources);
  return { bytesSent: upload.size, resumedBytes: 0 };
}

async function putMultipart(
  job: FileJob,
  partSize: number,
  mayResume: boolean,
): Promise<TransferOutcome> {
  const { CreateMultipartUploadCommand, UploadPartCommand } = await loadS3Sdk();
  const { ctx, upload, target } = job;
  const total = partCount(upload.size, partSize);
  const resumed = mayResume ? await loadResumable(job, partSize) : undefined;
  const done = resumed?.parts ?? new Map<number, CompletedPart>();
  let journal: ResumeJournal | undefined;
  let uploadId: string;
  if (resumed) {
    uploadId = resumed.uploadId;
    if (ctx.cacheDir) journal = await ResumeJournal.reopen(ctx.cacheDir, resumed.header);
  } else {
    const created = await withS3Retry(
      () =>
        ctx.s3.send(
          new CreateMultipartUploadCommand({
            Bucket: target.bucket,
            Key: target.key,
            ChecksumAlgorithm: 'CRC32',
          }),
          { abortSignal: ctx.signal },
        ),
      retryOptions(job, 'start the multipart upload of', ctx.signal),
    );
    if (!created.UploadId)
      throw new S3TransferError('S3 returned no UploadId for a multipart upload');
    uploadId = created.UploadId;
    if (ctx.cacheDir) {
      journal = await ResumeJournal.create(ctx.cacheDir, {
        v: 1,
        bucket: target.bucket,
        key: target.key,
        uploadId,
        destinationPath: upload.destinationPath,
        partSize,
        size: upload.size,
        sources: upload.sources,
        createdAt: new Date().toISOString(),
      });
    }
  }

  const resumedBytes = [...done.keys()].reduce((sum, n) => {
    const [start, end] = partRange(n, partSize, upload.size);
    return sum + (end - start);
  }, 0);
  ctx.emit({
    type: 'file-start',
    ...ref(job),
    uploadId: target.uploadId,
    size: upload.size,
    resumedBytes,
    parts: total,
  });

  const todo = [];
  for (let n = 1; n <= total; n++) if (!done.has(n)) todo.push(n);
  // one failed part stops its siblings; the journal keeps what finished
  const failFast = new AbortController();
  const signal = AbortSignal.any([ctx.signal, failFast.signal]);
  const results = await Promise.allSettled(
    todo.map(async (n) => {
      const [start, end] = partRange(n, partSize, upload.size);
      try {
        const res = await sendBody(
          job,
          start,
          end,
          signal,
          (body, checksum, signal) =>
            ctx.s3.send(
              new UploadPartCommand({
                Bucket: target.bucket,
                Key: target.key,
                UploadId: uploadId,
                PartNumber: n,
                Body: body,
                ContentLength: end - start,
                ChecksumCRC32: checksum,
              }),
              { abortSignal: signal },
            ),
          `upload part ${n} of`,
        );
        if (!res.ETag) throw new S3TransferError(`S3 returned no ETag for part ${n}`);
        const part = { PartNumber: n, ETag: res.ETag, ChecksumCRC32: res.ChecksumCRC32 ?? '' };
        done.set(n, part);
        await journal?.append(part);
      } catch (error) {
        failFast.abort();
        throw error;
      }
    }),
  );
  await journal?.close();
  const failure = results.find(
    (r): r is PromiseRejectedResult => r.status === 'rejected' && !(r.reason instanceof AbortError),
  );
  if (failure) throw failure.reason;
  if (ctx.signal.aborted) throw new AbortError();

  try {
    await assertUnchanged(upload.sources);
  } catch (error) {
    await forget(job, uploadId);
    throw error;
  }
  await complete(job, uploadId, done, upload.size, resumed?.trusted === true);
  if (ctx.cacheDir) await ResumeJournal.remove(ctx.cacheDir, target.bucket, target.key);
  return { bytesSent: upload.size - resumedBytes, resumedBytes };
}

async function complete(
  job: FileJob,
  uploadId: string,
  done: Map<number, CompletedPart>,
  size: number,
  journalTrusted: boolean,
): Promise<void> {
  const { CompleteMultipartUploadCommand } = await loadS3Sdk();
  const { ctx, target } = job;
  const parts = [...done.values()]
    .sort((a, b) => a.PartNumber - b.PartNumber)
    .map((p) => ({
      PartNumber: p.PartNumber,
      ETag: p.ETag,
      ...(p.ChecksumCRC32 ? { ChecksumCRC32: p.ChecksumCRC32 } : {}),
    }));
  await withS3Retry(
    async (attempt) => {
      try {
        await ctx.s3.send(
          new CompleteMultipartUploadCommand({
            Bucket: target.bucket,
            Key: target.key,
            UploadId: uploadId,
            MultipartUpload: { Parts: parts },
          }),
          { abortSignal: ctx.signal },
        );
      } catch (error) {
        const name = s3ErrorName(error);
        // a retry after a completion whose answer was lost: the object is there already
        if (name === 'NoSuchUpload' && attempt > 1 && (await objectSize(job)) === size) return;
        if ((name === 'NoSuchUpload' || name === 'InvalidPart') && journalTrusted) {
          if (ctx.cacheDir) await ResumeJournal.remove(ctx.cacheDir, target.bucket, target.key);
          throw new StaleResumeError();
        }
        throw error;
      }
    },
    retryOptions(job, 'complete the multipart upload of', ctx.signal),
  );
}

async function objectSize(job: FileJob): Promise<number | undefined> {
  const { HeadObjectCommand } = await loadS3Sdk();
  try {
    const head = await job.ctx.s3.send(
      new HeadObjectCommand({ Bucket: job.target.bucket, Key: job.target.key }),
      { abortSignal: job.ctx.signal },
    );
    return head.ContentLength;
  } catch {
    return undefined;
  }
}

interface Resumable {
  uploadId: string;
  header: ResumeHeader;
  parts: Map<number, CompletedPart>;
  /** True when S3 could not list the parts and the journal was taken on trust. */
  trusted: boolean;
}

/**
 * The journal of an interrupted multipart upload of this object, if it is still usable: same
 * local bytes, same part layout, and parts that S3 still holds (checked with ListParts).
 */
async function loadResumable(job: FileJob, partSize: number): Promise<Resumable | undefined> {
  const { ctx, upload, target } = job;
  if (!ctx.cacheDir) return undefined;
  const state = await ResumeJournal.load(ctx.cacheDir, target.bucket, target.key);
  if (!state) return undefined;
  const { header } = state;
  const sameSources =
    header.sources.length === upload.sources.length &&
    header.sources.every(
      (s, i) => s.path === upload.sources[i]!.path && sameFile(s, upload.sources[i]!),
    );
  if (!sameSources || header.partSize !== partSize || header.size !== upload.size) {
    discarded(job, sameSources ? 'layout-changed' : 'source-changed');
    await forget(job, header.uploadId);
    return undefined;
  }
  const listed = await listParts(job, header.uploadId);
  if (listed === 'gone') {
    discarded(job, 'upload-gone');
    await ResumeJournal.remove(ctx.cacheDir, target.bucket, target.key);
    return undefined;
  }
  if (listed === 'unsupported') {
    return { uploadId: header.uploadId, header, parts: state.parts, trusted: true };
  }
  const parts = new Map<number, CompletedPart>();
  for (const [n, part] of state.parts) {
    const [start, end] = partRange(n, partSize, upload.size);
    const remote = listed.get(n);
    if (remote && remote.etag === part.ETag.replaceAll('"', '') && remote.size === end - start) {
      parts.set(n, part);
    }
  }
  return { uploadId: header.uploadId, header, parts, trusted: false };
}

async function listParts(
  job: FileJob,
  uploadId: string,
): Promise<Map<number, { etag: string; size: number }> | 'gone' | 'unsupported'> {
  const { ListPartsCommand } = await loadS3Sdk();
  const { ctx, target } = job;
  const parts = new Map<number, { etag: string; size: number }>();
  let marker: string | undefined;
  try {
    for (;;) {
      const page = await withS3Retry(
        () =>
          ctx.s3.send(
            new ListPartsCommand({
              Bucket: target.bucket,
              Key: target.key,
              UploadId: uploadId,
              ...(marker ? { PartNumberMarker: marker } : {}),
            }),
            { abortSignal: ctx.signal },
          ),
        { ...retryOptions(job, 'list the uploaded parts of', ctx.signal), maxAttempts: 3 },
      );
      for (const p of page.Parts ?? []) {
        if (p.PartNumber !== undefined && p.ETag) {
          parts.set(p.PartNumber, { etag: p.ETag.replaceAll('"', ''), size: p.Size ?? -1 });
        }
      }
      if (!page.IsTruncated || !page.NextPartNumberMarker) return parts;
      marker = page.NextPartNumberMarker;
    }
  } catch (error) {
    if (error instanceof AbortError) throw error;
    const status = (error as S3TransferError).status;
    if (status === 404 || /NoSuchUpload/.test((error as Error).message)) return 'gone';
    if (status === 405 || status === 501) return 'unsupported';
    throw error;
  }
}

/** Drops a journal and, best effort, the multipart upload it points to. */
async function forget(job: FileJob, uploadId: string): Promise<void> {
  const { AbortMultipartUploadCommand } = await loadS3Sdk();
  const { ctx, target } = job;
  if (ctx.cacheDir) await ResumeJournal.remove(ctx.cacheDir, target.bucket, target.key);
  await ctx.s3
    .send(
      new AbortMultipartUploadCommand({
        Bucket: target.bucket,
        Key: target.key,
        UploadId: uploadId,
      }),
    )
    .catch(() => undefined);
}
