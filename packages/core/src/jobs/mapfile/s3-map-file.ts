/**
 * Builds a URL map file from FASTQs in the user's own S3 bucket (or an S3-compatible store):
 * list the prefix, pair R1/R2 from the names, presign a GET URL for each. The S3 client takes
 * the user's credentials from the AWS SDK's default provider chain — never Gencove's.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { AbortError, InvalidArgumentError } from '../../errors.js';
import { redactString } from '../../redact.js';
import { loadS3Sdk, S3_IDLE_TIMEOUTS } from '../../s3-sdk.js';
import { formatMapFile, type MapFileRow } from './format.js';
import { type KeyConflict, type KeyRow, pairFastqKeys, type SkippedKey } from './pair-reads.js';

/** SigV4 presigned URLs live at most 7 days. */
export const MAX_PRESIGN_SECONDS = 604_800;
const FALLBACK_REGION = 'us-east-1';

export interface BuildS3MapFileOptions {
  /** `s3://bucket` or `s3://bucket/prefix`. */
  source: string;
  /** Presign GET URLs (default true). Without it the URLs are plain: the objects must be public. */
  presign?: boolean;
  /** Lifetime of presigned URLs in seconds, at most 7 days. Default 7 days. */
  expiresInSeconds?: number;
  /** S3-compatible endpoint (MinIO, Ceph, s3rver…); path-style addressing is used. */
  endpointUrl?: string;
  /** Region; default from the AWS configuration, else the bucket's own region. */
  region?: string;
  /** Bring your own client (credentials, endpoint). It is not destroyed. */
  client?: S3Client;
  signal?: AbortSignal;
  /** Clock for `expiresAt`. */
  now?: Date;
}

export interface S3MapFile {
  /** The map file (CSV). Contains presigned URLs: treat it as a secret. */
  text: string;
  rows: MapFileRow[];
  /** FASTQ objects left out, with the reason. Non-FASTQ objects are ignored silently. */
  skipped: SkippedKey[];
  /** Objects listed under the prefix. */
  listed: number;
  /** When the presigned URLs expire (ISO 8601). */
  expiresAt?: string;
  /**
   * When the signing credentials expire, if they are temporary (SSO, assumed role): presigned
   * URLs stop working then, whatever their own expiry says.
   */
  credentialsExpireAt?: string;
}

/** The objects cannot form a valid map: several files for one read, or R2 without R1. */
export class S3MapFileError extends Error {
  readonly code = 'ERR_GENCOVE_INPUT';
  readonly conflicts: KeyConflict[];
  readonly orphanR2: KeyRow[];
  constructor(message: string, conflicts: KeyConflict[] = [], orphanR2: KeyRow[] = []) {
    super(message);
    this.name = 'S3MapFileError';
    this.conflicts = conflicts;
    this.orphanR2 = orphanR2;
  }
}

/** Listing or presigning in the user's bucket failed; `code` tells auth / not found / network. */
export class S3AccessError extends Error {
  readonly code:
    | 'ERR_GENCOVE_AUTH'
    | 'ERR_GENCOVE_NOT_FOUND'
    | 'ERR_GENCOVE_NETWORK'
    | 'ERR_GENCOVE_S3';
  constructor(message: string, code: S3AccessError['code'], cause: unknown) {
    super(message, { cause });
    this.name = 'S3AccessError';
    this.code = code;
  }
}

const AUTH_ERRORS = new Set([
  'CredentialsProviderError',
  'AccessDenied',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'Forbidden',
]);
const NETWORK_ERRORS = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'ECONNRESET',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'TimeoutError',
]);

function s3Failure(error: unknown, source: string): unknown {
  if (error instanceof S3MapFileError || error instanceof AbortError) return error;
  const e = error as {
    name?: string;
    code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
  };
  const name = e?.name ?? 'Error';
  const status = e?.$metadata?.httpStatusCode;
  const what = redactString(`${name}: ${e?.message ?? String(error)}`);
  if (name === 'CredentialsProviderError') {
    return new S3AccessError(
      `No AWS credentials for ${source}: the AWS SDK found none in its default chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, SSO, instance role). ${what}`,
      'ERR_GENCOVE_AUTH',
      error,
    );
  }
  if (AUTH_ERRORS.has(name) || status === 403) {
    return new S3AccessError(
      `Access to ${source} was refused (${what})`,
      'ERR_GENCOVE_AUTH',
      error,
    );
  }
  if (name === 'NoSuchBucket' || name === 'NotFound' || status === 404) {
    return new S3AccessError(
      `The bucket of ${source} does not exist (${what})`,
      'ERR_GENCOVE_NOT_FOUND',
      error,
    );
  }
  if (NETWORK_ERRORS.has(name) || (e?.code !== undefined && NETWORK_ERRORS.has(e.code))) {
    return new S3AccessError(
      `Could not reach the S3 endpoint for ${source} (${what})`,
      'ERR_GENCOVE_NETWORK',
      error,
    );
  }
  return new S3AccessError(`Listing ${source} failed (${what})`, 'ERR_GENCOVE_S3', error);
}

export function parseS3Uri(uri: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(uri);
  if (!m) {
    throw new InvalidArgumentError(
      'source',
      `"${uri}" is not an S3 location such as s3://my-bucket/runs/2026-01/`,
    );
  }
  return { bucket: m[1]!, prefix: m[2] ?? '' };
}

async function makeClient(options: BuildS3MapFileOptions, region?: string): Promise<S3Client> {
  const endpoint = options.endpointUrl
    ? { endpoint: options.endpointUrl, forcePathStyle: true }
    : {};
  const sdk = await loadS3Sdk();
  const common = { ...endpoint, followRegionRedirects: true, requestHandler: S3_IDLE_TIMEOUTS };
  const client = new sdk.S3Client({ ...common, ...(region ? { region } : {}) });
  if (region) return client;
  try {
    await client.config.region();
    return client;
  } catch {
    // No region configured anywhere: any region works for listing; the bucket's is found below.
    client.destroy();
    return new sdk.S3Client({ ...common, region: FALLBACK_REGION });
  }
}

/** Presigned URLs must carry the bucket's region, or S3 refuses them. */
async function clientForBucket(options: BuildS3MapFileOptions, bucket: string): Promise<S3Client> {
  const client = await makeClient(options, options.region);
  if (options.endpointUrl || options.region) return client;
  const { HeadBucketCommand } = await loadS3Sdk();
  const head = await client.send(new HeadBucketCommand({ Bucket: bucket }), {
    ...(options.signal ? { abortSignal: options.signal } : {}),
  });
  const current = await client.config.region();
  if (!head.BucketRegion || head.BucketRegion === current) return client;
  client.destroy();
  return makeClient(options, head.BucketRegion);
}

async function listKeys(
  client: S3Client,
  bucket: string,
  prefix: string,
  signal?: AbortSignal,
): Promise<string[]> {
  const { paginateListObjectsV2 } = await loadS3Sdk();
  const keys: string[] = [];
  for await (const page of paginateListObjectsV2({ client }, { Bucket: bucket, Prefix: prefix })) {
    if (signal?.aborted) throw new AbortError('Listing aborted');
    for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
  }
  return keys;
}

function describeProblems(conflicts: KeyConflict[], orphanR2: KeyRow[]): string {
  const lines = [
    ...conflicts.map(
      (c) =>
        `  ${c.clientId} ${c.read}: ${c.keys.length} files (${c.keys.join(', ')}); a URL map takes one file per read — merge lanes first or narrow the prefix`,
    ),
    ...orphanR2.map((r) => `  ${r.clientId}: R2 (${r.key}) but no R1`),
  ];
  const shown = lines.slice(0, 50);
  if (lines.length > shown.length) shown.push(`  … and ${lines.length - shown.length} more`);
  return shown.join('\n');
}

/** The object's plain URL, for public buckets: the presigned URL minus its signature. */
function withoutQuery(url: string): string {
  const cut = url.indexOf('?');
  return cut === -1 ? url : url.slice(0, cut);
}

export async function buildS3MapFile(options: BuildS3MapFileOptions): Promise<S3MapFile> {
  const { bucket, prefix } = parseS3Uri(options.source);
  const presign = options.presign ?? true;
  const expiresIn = options.expiresInSeconds ?? MAX_PRESIGN_SECONDS;
  if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_PRESIGN_SECONDS) {
    throw new InvalidArgumentError(
      'expiresInSeconds',
      'presigned URLs can live from 1 second to 7 days',
    );
  }
  let client: S3Client | undefined;
  try {
    client = options.client ?? (await clientForBucket(options, bucket));
    const keys = await listKeys(client, bucket, prefix, options.signal);
    const paired = pairFastqKeys(keys);
    if (paired.conflicts.length > 0 || paired.orphanR2.length > 0) {
      throw new S3MapFileError(
        `The FASTQs under ${options.source} cannot form a map file:\n${describeProblems(paired.conflicts, paired.orphanR2)}`,
        paired.conflicts,
        paired.orphanR2,
      );
    }
    if (paired.rows.length === 0) {
      const why = paired.skipped.length
        ? ` (${paired.skipped.length} skipped: ${paired.skipped[0]!.reason}…)`
        : '';
      throw new S3MapFileError(
        `No usable FASTQ files under ${options.source} among ${keys.length} objects${why}.`,
      );
    }
    const now = options.now ?? new Date();
    const { GetObjectCommand } = await loadS3Sdk();
    const { getSignedUrl } = await import('@aws-sdk/s3-request-presigner');
    const rows: MapFileRow[] = [];
    for (const row of paired.rows) {
      if (options.signal?.aborted) throw new AbortError('Presigning aborted');
      const url = await getSignedUrl(
        client,
        new GetObjectCommand({ Bucket: bucket, Key: row.key }),
        {
          expiresIn,
          signingDate: now,
        },
      );
      rows.push({
        clientId: row.clientId,
        read: row.read,
        path: presign ? url : withoutQuery(url),
      });
    }
    const result: S3MapFile = {
      text: formatMapFile(rows),
      rows,
      skipped: paired.skipped,
      listed: keys.length,
    };
    if (presign) {
      result.expiresAt = new Date(now.getTime() + expiresIn * 1000).toISOString();
      const credentials = await client.config.credentials();
      if (credentials.sessionToken && credentials.expiration) {
        result.credentialsExpireAt = credentials.expiration.toISOString();
      }
    }
    return result;
  } catch (error) {
    throw s3Failure(error, options.source);
  } finally {
    if (!options.client) client?.destroy();
  }
}
