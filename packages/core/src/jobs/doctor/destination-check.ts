import { randomBytes } from 'node:crypto';
import { rm, stat, statfs, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { loadS3Sdk } from '../../s3-sdk.js';
import { createS3Client, parseS3Destination } from '../download/s3-delivery.js';
import type { DoctorCheck, DoctorOptions } from './types.js';

type Partial = Omit<DoctorCheck, 'durationMs'>;

export const DEFAULT_MIN_FREE_BYTES = 1024 ** 3;

const gib = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(1)} GiB`;

/** The folder itself when it exists, else its nearest existing ancestor (which we would use). */
async function nearestExisting(path: string): Promise<{ dir: string; exists: boolean } | Error> {
  let current = path;
  for (;;) {
    try {
      const info = await stat(current);
      if (!info.isDirectory()) {
        return new Error(
          current === path ? `${path} is a file, not a folder` : `${current} is a file`,
        );
      }
      return { dir: current, exists: current === path };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return error as Error;
      const parent = dirname(current);
      if (parent === current) return error as Error;
      current = parent;
    }
  }
}

/** Creates and removes a probe file: proves that files can be written there. */
async function probeWrite(dir: string): Promise<void> {
  const probe = join(dir, `.gencove-doctor-${randomBytes(6).toString('hex')}`);
  try {
    await writeFile(probe, 'gencove doctor write test\n', { flag: 'wx' });
  } finally {
    await rm(probe, { force: true });
  }
}

async function localDestination(destination: string, minFree: number): Promise<Partial> {
  const path = resolve(destination);
  const found = await nearestExisting(path);
  if (found instanceof Error) {
    return {
      id: 'destination',
      status: 'fail',
      summary: `cannot use ${path}: ${found.message}`,
      fix: 'Choose a folder (existing, or one that can be created).',
    };
  }
  try {
    await probeWrite(found.dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'ERROR';
    return {
      id: 'destination',
      status: 'fail',
      summary: `cannot write to ${found.dir} (${code})`,
      fix:
        code === 'EROFS'
          ? 'The file system is read-only: choose another destination.'
          : `Give this user write permission on ${found.dir}, or choose another destination.`,
      details: { path, error: code },
    };
  }
  const fs = await statfs(found.dir);
  const free = Number(fs.bavail) * Number(fs.bsize);
  const where = found.exists ? path : `${path} (does not exist yet; ${found.dir} is writable)`;
  const details = { path, exists: found.exists, freeBytes: free };
  if (free < minFree) {
    return {
      id: 'destination',
      status: 'fail',
      summary: `${where}: only ${gib(free)} free (less than ${gib(minFree)})`,
      fix: 'Free some space, choose another destination, or lower --min-free if that is enough.',
      details,
    };
  }
  return {
    id: 'destination',
    status: 'pass',
    summary: `${where}: writable, ${gib(free)} free`,
    details,
  };
}

async function s3Destination(destination: string, options: DoctorOptions): Promise<Partial> {
  let parsed: ReturnType<typeof parseS3Destination>;
  try {
    parsed = parseS3Destination(destination);
  } catch (error) {
    return { id: 'destination', status: 'fail', summary: (error as Error).message };
  }
  const { bucket } = parsed!;
  const endpoint = options.s3Destination?.endpoint;
  let client: Awaited<ReturnType<typeof createS3Client>>;
  try {
    client = await createS3Client({
      ...(options.s3Destination?.client ? { client: options.s3Destination.client } : {}),
      ...(endpoint ? { endpoint } : {}),
      ...(options.s3Destination?.region ? { region: options.s3Destination.region } : {}),
    });
  } catch (error) {
    return {
      id: 'destination',
      status: 'fail',
      summary: (error as Error).message,
      fix: 'Set AWS_REGION (or a profile region), or pass --region.',
    };
  }
  const { HeadBucketCommand } = await loadS3Sdk();
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }), {
      abortSignal: AbortSignal.any([
        AbortSignal.timeout(options.timeoutMs ?? 10_000),
        ...(options.signal ? [options.signal] : []),
      ]),
    });
    return {
      id: 'destination',
      status: 'pass',
      summary: `S3 bucket ${bucket} is accessible with your AWS credentials${endpoint ? ` at ${endpoint}` : ''} (HeadBucket; write permission is not tested)`,
      details: { bucket, endpoint: endpoint ?? null },
    };
  } catch (error) {
    const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    const status = e.$metadata?.httpStatusCode;
    const noCredentials = e.name === 'CredentialsProviderError';
    const summary = noCredentials
      ? 'no AWS credentials found for the S3 destination'
      : status === 404
        ? `S3 bucket ${bucket} does not exist`
        : status === 403
          ? `S3 bucket ${bucket} is not accessible with these AWS credentials (403)`
          : `S3 bucket ${bucket} cannot be reached: ${e.name ?? 'Error'}${e.message ? `: ${e.message}` : ''}`;
    const fix = noCredentials
      ? 'Configure the AWS SDK chain: AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY, AWS_PROFILE, `aws sso login`, or an instance role.'
      : status === 404
        ? 'Check the bucket name (and --endpoint-url for S3-compatible stores).'
        : status === 403
          ? 'Check which AWS identity is used (AWS_PROFILE, `aws sts get-caller-identity`) and the bucket policy.'
          : 'Check --endpoint-url / --region and your network.';
    return {
      id: 'destination',
      status: 'fail',
      summary,
      fix,
      details: { bucket, status: status ?? null, error: e.name ?? null },
    };
  } finally {
    if (client !== options.s3Destination?.client) client.destroy();
  }
}

/** Where downloads would go: writable with enough space (local), or an accessible bucket (S3). */
export async function destinationCheck(options: DoctorOptions): Promise<Partial> {
  const destination = options.destination;
  if (destination === undefined) {
    return { id: 'destination', status: 'skip', summary: 'no --destination given' };
  }
  if (/^s3:\/\//i.test(destination)) return s3Destination(destination, options);
  return localDestination(destination, options.minFreeBytes ?? DEFAULT_MIN_FREE_BYTES);
}
