import { createHash } from 'node:crypto';
import { pipeline, Transform } from 'node:stream';
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import {
  AbortError,
  AuthenticationError,
  NetworkError,
  PermissionError,
  TimeoutError,
} from '../../errors.js';
import { loadS3Sdk, S3_IDLE_TIMEOUTS } from '../../s3-sdk.js';
import type { TransferBudget } from '../../transfer/budget.js';
import { IntegrityMismatch } from './disk-transfer.js';
import { DownloadInputError } from './errors.js';
import { type FetchContext, type ObjectInfo, rangeStream } from './fetch-range.js';
import type { DownloadSource } from './source.js';
import type { S3DeliveryOptions } from './types.js';

export const DEFAULT_S3_PART_SIZE = 8 * 1024 * 1024;
/**
 * Attempts per S3 request of a delivery. The SDK's default (3) gave up on whole files under a few
 * percent of transient errors (503 SlowDown, resets) in the chaos suite; the presigned GETs of
 * the same transfer get 8 attempts (see job.ts), and so does the S3 side now.
 */
export const DELIVERY_S3_MAX_ATTEMPTS = 8;
export const DEFAULT_S3_QUEUE_SIZE = 2;
/** S3 allows 10 000 parts; a margin keeps a 100 GiB BAM within it. */
const MAX_PARTS = 9_000;

/** The part size for an object: the configured one, grown so the upload stays under the part limit. */
export function s3PartSize(configured: number, total: number): number {
  const needed = Math.ceil(total / MAX_PARTS);
  return Math.max(configured, Math.ceil(needed / (1024 * 1024)) * 1024 * 1024);
}

export interface S3Destination {
  bucket: string;
  /** "" or a prefix ending with "/". */
  prefix: string;
}

/** `s3://bucket[/prefix]` → bucket and normalised prefix; undefined for anything else. */
export function parseS3Destination(destination: string): S3Destination | undefined {
  const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/i.exec(destination);
  if (!m) return undefined;
  const bucket = m[1]!;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new DownloadInputError(
      'DESTINATION',
      `Invalid S3 bucket name ${JSON.stringify(bucket)} in ${destination}.`,
    );
  }
  const rest = (m[2] ?? '').replace(/\/+$/, '');
  const segments = rest === '' ? [] : rest.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) {
    throw new DownloadInputError(
      'DESTINATION',
      `Invalid S3 prefix in ${destination}: empty, "." or ".." segments are not allowed.`,
    );
  }
  return { bucket, prefix: segments.length ? `${segments.join('/')}/` : '' };
}

/**
 * An S3 client from the default AWS provider chain (environment, shared config, SSO, instance
 * roles). With a custom endpoint: path-style addressing, a us-east-1 fallback region, and
 * checksums only where required (many S3-compatible stores reject the newer default ones).
 */
export async function createS3Client(options: S3DeliveryOptions = {}): Promise<S3Client> {
  if (options.client) return options.client;
  const { S3Client } = await loadS3Sdk();
  const config: S3ClientConfig = {
    maxAttempts: DELIVERY_S3_MAX_ATTEMPTS,
    requestHandler: S3_IDLE_TIMEOUTS,
  };
  if (options.region) config.region = options.region;
  if (options.endpoint) {
    config.endpoint = options.endpoint;
    config.forcePathStyle = true;
    config.requestChecksumCalculation = 'WHEN_REQUIRED';
    config.responseChecksumValidation = 'WHEN_REQUIRED';
  }
  let client = new S3Client(config);
  const region = await client.config.region().catch(() => undefined);
  if (!region) {
    client.destroy();
    if (!options.endpoint) {
      throw new DownloadInputError(
        '--region',
        'No AWS region configured for S3 delivery: set AWS_REGION (or a profile region) or pass --region.',
      );
    }
    client = new S3Client({ ...config, region: 'us-east-1' });
  }
  return client;
}

/** Longest wait for the bucket check before any transfer (exit 5 after it). */
export const CHECK_BUCKET_TIMEOUT_MS = 90_000;

/**
 * Fails early, before any transfer, when the bucket is missing (input error, exit 2), refused
 * or without credentials (permission / authentication error, exit 3) or unreachable (network
 * error, exit 5).
 */
export async function checkBucket(
  client: S3Client,
  bucket: string,
  signal?: AbortSignal,
  timeoutMs = CHECK_BUCKET_TIMEOUT_MS,
) {
  const { HeadBucketCommand } = await loadS3Sdk();
  // The SDK would retry a silent endpoint for minutes (timeouts × attempts): one check, bounded.
  const deadline = AbortSignal.timeout(timeoutMs);
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }), {
      abortSignal: signal ? AbortSignal.any([signal, deadline]) : deadline,
    });
  } catch (error) {
    if (signal?.aborted) throw new AbortError();
    if (deadline.aborted) {
      throw new TimeoutError(`S3 bucket ${bucket} did not answer within ${timeoutMs / 1000} s.`, {
        phase: 'headers',
        timeoutMs,
      });
    }
    const e = error as Error & { $metadata?: { httpStatusCode?: number }; code?: string };
    const status = e.$metadata?.httpStatusCode;
    if (status === 404) {
      throw new DownloadInputError('DESTINATION', `S3 bucket ${bucket} does not exist.`);
    }
    if (status === 403 || status === 401) {
      throw new PermissionError(
        `S3 bucket ${bucket} is not accessible with these AWS credentials (HTTP ${status}).`,
        { status },
      );
    }
    if (e.name === 'CredentialsProviderError') {
      throw new AuthenticationError(
        `No AWS credentials for S3 bucket ${bucket}: set AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or run where an instance role applies.`,
      );
    }
    if (status === undefined) {
      // no HTTP answer: refused, reset, timed out, DNS
      throw new NetworkError(`S3 bucket ${bucket} cannot be reached (${e.name}: ${e.message}).`, {
        ...(e.code ? { networkCode: e.code } : {}),
      });
    }
    throw s3Failure('HeadBucket', bucket, '', error);
  }
}

export interface S3ObjectFacts {
  size: number;
  sha256?: string;
}

export async function headObject(
  client: S3Client,
  bucket: string,
  key: string,
  signal?: AbortSignal,
): Promise<S3ObjectFacts | undefined> {
  const { HeadObjectCommand } = await loadS3Sdk();
  try {
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), {
      abortSignal: signal,
    });
    const sha256 = head.Metadata?.sha256;
    return { size: head.ContentLength ?? 0, ...(sha256 ? { sha256 } : {}) };
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404) return undefined;
    throw s3Failure('HeadObject', bucket, key, error);
  }
}

/**
 * An SDK error as a message that names the operation, the object and the HTTP status (errors of
 * body-less answers such as HEAD are otherwise just "UnknownError"). Other errors pass unchanged.
 */
export function s3Failure(operation: string, bucket: string, key: string, error: unknown): unknown {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  if (!e || typeof e !== 'object' || !('$metadata' in e)) return error;
  const status = e.$metadata?.httpStatusCode;
  // body-less answers (HEAD) leave the SDK with placeholders only: "Unknown" / "UnknownError"
  const name = e.name && e.name !== 'Unknown' ? e.name : undefined;
  const message =
    e.message && e.message !== e.name && e.message !== 'UnknownError' ? e.message : '';
  const what = [name, message].filter(Boolean).join(': ');
  // no `cause`: SDK errors carry fields such as ExpiredToken's <Token-0>, the session token
  const failure = new Error(
    `S3 ${operation} of s3://${bucket}/${key} failed${status ? ` (HTTP ${status})` : ''}${what ? `: ${what}` : ''}`,
  );
  return Object.assign(failure, { code: 'ERR_GENCOVE_S3', ...(status ? { status } : {}) });
}

export async function putText(
  client: S3Client,
  bucket: string,
  key: string,
  text: string,
  contentType: string,
  signal?: AbortSignal,
): Promise<void> {
  const { PutObjectCommand } = await loadS3Sdk();
  try {
    await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: text, ContentType: contentType }),
      { abortSignal: signal },
    );
  } catch (error) {
    throw s3Failure('PutObject', bucket, key, error);
  }
}

export interface S3TransferOptions {
  client: S3Client;
  bucket: string;
  key: string;
  source: DownloadSource;
  info: ObjectInfo & { total: number };
  expectedSha256?: string;
  hash: boolean;
  budget: TransferBudget;
  fetch: FetchContext;
  partSize: number;
  queueSize: number;
  onProgress?: (bytes: number) => void;
}

/**
 * Streams a deliverable from its presigned URL into the bucket with lib-storage: no local disk,
 * memory bounded by part size × (queue size + 1), charged to the budget. The sha256 is computed on
 * the way and, when it is checked against the API's, stored as `x-amz-meta-sha256`; a mismatch
 * or short body fails the stream before the upload completes, so lib-storage aborts it and no
 * object appears.
 */
export async function transferToS3(options: S3TransferOptions): Promise<{ sha256?: string }> {
  const { info } = options;
  const { Upload } = await import('@aws-sdk/lib-storage');
  const partSize = s3PartSize(options.partSize, info.total);
  const memory = partSize * (options.queueSize + 1);
  const releaseMemory = await options.budget.memory.acquire(memory, options.fetch.signal);
  let releaseConnections: (() => void) | undefined;
  try {
    releaseConnections = await options.budget.connections.acquire(
      options.queueSize + 1,
      options.fetch.signal,
    );
    const hash = options.hash ? createHash('sha256') : undefined;
    let bytes = 0;
    let digest: string | undefined;
    const check = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash?.update(chunk);
        bytes += chunk.length;
        options.onProgress?.(bytes);
        callback(null, chunk);
      },
      flush(callback) {
        digest = hash?.digest('hex');
        if (bytes !== info.total) {
          callback(new Error(`short body: ${bytes} of ${info.total} bytes`));
        } else if (options.expectedSha256 && digest && digest !== options.expectedSha256) {
          callback(new IntegrityMismatch(digest));
        } else {
          callback();
        }
      },
    });
    const body = pipeline(
      rangeStream({ source: options.source, start: 0, end: info.total, info }, options.fetch),
      check,
      () => {},
    );
    const abort = new AbortController();
    const onAbort = () => abort.abort();
    options.fetch.signal?.addEventListener('abort', onAbort, { once: true });
    const upload = new Upload({
      client: options.client,
      params: {
        Bucket: options.bucket,
        Key: options.key,
        Body: body,
        ContentLength: info.total,
        ContentType: 'application/octet-stream',
        // Only a checked sha256 is recorded: a later run skips the object on its word.
        ...(options.expectedSha256 && options.hash
          ? { Metadata: { sha256: options.expectedSha256 } }
          : {}),
      },
      partSize,
      queueSize: options.queueSize,
      leavePartsOnError: false,
      abortController: abort,
    });
    let streamError: Error | undefined;
    check.once('error', (error) => {
      streamError = error;
    });
    try {
      await upload.done();
    } catch (error) {
      body.destroy();
      throw streamError ?? s3Failure('PutObject', options.bucket, options.key, error);
    } finally {
      options.fetch.signal?.removeEventListener('abort', onAbort);
    }
    return digest ? { sha256: digest } : {};
  } finally {
    releaseConnections?.();
    releaseMemory();
  }
}
