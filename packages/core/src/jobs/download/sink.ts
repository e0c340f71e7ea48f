import { stat } from 'node:fs/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import { DownloadInputError } from './errors.js';
import { unwritableDirectory } from './local-files.js';
import {
  checkBucket,
  createS3Client,
  DEFAULT_S3_PART_SIZE,
  DEFAULT_S3_QUEUE_SIZE,
  parseS3Destination,
} from './s3-delivery.js';
import { assertSafeSegments, resolveInside } from './safe-path.js';
import type { S3DeliveryOptions } from './types.js';

/** Where a run delivers: a directory, a bucket prefix, or one stream. */
export type Sink =
  | { kind: 'disk'; root: string }
  | {
      kind: 's3';
      client: S3Client;
      ownsClient: boolean;
      bucket: string;
      prefix: string;
      partSize: number;
      queueSize: number;
    }
  | { kind: 'stream'; stream: NodeJS.WritableStream };

export async function openSink(
  destination: string | NodeJS.WritableStream,
  s3: S3DeliveryOptions | undefined,
  signal?: AbortSignal,
): Promise<Sink> {
  if (typeof destination !== 'string') return { kind: 'stream', stream: destination };
  const s3Destination = parseS3Destination(destination);
  if (!s3Destination) {
    const existing = await stat(destination).catch(() => undefined);
    if (existing && !existing.isDirectory()) {
      throw new DownloadInputError(
        'DESTINATION',
        `DESTINATION ${destination} exists and is not a directory.`,
      );
    }
    const problem = await unwritableDirectory(destination);
    if (problem) {
      throw new DownloadInputError('DESTINATION', `DESTINATION ${destination}: ${problem}.`);
    }
    return { kind: 'disk', root: destination };
  }
  const client = await createS3Client(s3);
  try {
    await checkBucket(client, s3Destination.bucket, signal);
  } catch (error) {
    if (!s3?.client) client.destroy();
    throw error;
  }
  return {
    kind: 's3',
    client,
    ownsClient: !s3?.client,
    ...s3Destination,
    partSize: Math.max(5 * 1024 * 1024, s3?.partSize ?? DEFAULT_S3_PART_SIZE),
    queueSize: Math.max(1, s3?.queueSize ?? DEFAULT_S3_QUEUE_SIZE),
  };
}

export function closeSink(sink: Sink): void {
  if (sink.kind === 's3' && sink.ownsClient) sink.client.destroy();
}

export function describeSink(sink: Sink): string {
  if (sink.kind === 'disk') return sink.root;
  if (sink.kind === 's3') return `s3://${sink.bucket}/${sink.prefix}`;
  return '-';
}

/** Local path, `s3://bucket/key`, or `-` for the relative path `segments`. */
export function targetOf(sink: Sink, segments: readonly string[], what: string): string {
  if (sink.kind === 'disk') return resolveInside(sink.root, segments, what);
  assertSafeSegments(segments, what);
  if (sink.kind === 's3') return `s3://${sink.bucket}/${sink.prefix}${segments.join('/')}`;
  return '-';
}

/** The object key of an `s3://bucket/key` target. */
export function keyOf(sink: Extract<Sink, { kind: 's3' }>, target: string): string {
  return target.slice(`s3://${sink.bucket}/`.length);
}
