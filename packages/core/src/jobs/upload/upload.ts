import pLimit from 'p-limit';
import type { GencoveClient } from '../../client.js';
import { AbortError, NotFoundError, ResponseShapeError } from '../../errors.js';
import { TransferBudget } from '../../transfer/budget.js';
import { normalizeUuid } from '../../validate.js';
import { assignUploadsToProject } from '../assign/assign.js';
import type { AssignedSample } from '../assign/types.js';
import { BufferPool } from './buffer-pool.js';
import { DEFAULT_CREDENTIAL_REFRESH_BEFORE_MS, UploadCredentialProvider } from './credentials.js';
import type { UploadEvent } from './events.js';
import { DEFAULT_PART_SIZE, MIB } from './part-size.js';
import { assertUploadable } from './plan.js';
import type { PlannedUpload, PlanProblem, UploadPlan } from './plan-types.js';
import { ResumeJournal } from './resume-state.js';
import { createUploadS3Client } from './s3-client.js';
import { type TransferTarget, transferFile } from './transfer.js';

export const DEFAULT_UPLOAD_CONCURRENCY = 16;
/**
 * Part buffers in memory at once: 12 parts of 8 MiB. With the process's own ~90 MiB this keeps
 * the peak RSS of an upload near 220 MiB, whatever the number and size of the files.
 */
export const DEFAULT_UPLOAD_BUFFER_BYTES = 96 * MIB;
/** API calls in flight while reserving upload slots. */
const RESERVE_CONCURRENCY = 8;

export interface UploadFastqsOptions {
  /** From {@link planUpload}; refused when it has error-level problems. */
  plan: UploadPlan;
  /** Assign the uploads to this project (spec §6) once they are on S3. */
  runProjectId?: string;
  /** Any JSON value applied to every assigned sample. Requires `runProjectId`. */
  metadata?: unknown;
  /** Folder of resume journals (see `defaultCacheDir`); without it interrupted uploads restart. */
  cacheDir?: string;
  /** Requests in flight at once across every file (S3 parts and single PUTs). Default 16. */
  concurrency?: number;
  /** Memory for part buffers across all files. Default 96 MiB. */
  maxBufferBytes?: number;
  /** Preferred part size; raised for objects that would need over 10 000 parts. Default 16 MiB. */
  partSize?: number;
  /** S3 endpoint override; default the client's `s3Endpoint`. */
  s3Endpoint?: string;
  /** Fetch new upload credentials when fewer than this many ms remain. Default 15 min. */
  credentialRefreshBeforeMs?: number;
  /** How long the assignment waits for the uploads to appear in the sample sheet. Default 300 s. */
  assignMaxWaitMs?: number;
  signal?: AbortSignal;
  onEvent?: (event: UploadEvent) => void;
}

export interface UploadedFile {
  label: string;
  destinationPath: string;
  uploadId: string;
  size: number;
  outcome: 'uploaded' | 'resumed' | 'already-uploaded';
  /** Bytes sent in this run (0 when already uploaded; less than `size` when resumed). */
  bytesSent: number;
}

export interface UploadResult {
  destination: string;
  files: UploadedFile[];
  totalBytes: number;
  bytesSent: number;
  /** Warnings of the pre-flight check. */
  warnings: PlanProblem[];
  /** Samples created (or found assigned by an earlier run) with `runProjectId`. */
  assigned?: AssignedSample[];
}

type Reserved = { upload: PlannedUpload; index: number; target: TransferTarget; done: boolean };

/**
 * Uploads a checked plan: validates the project, reserves every upload slot (so a refused
 * destination fails before any byte moves), transfers the files that are not on the server yet
 * — many files and many parts at once under one budget, resuming interrupted multipart uploads —
 * then assigns the uploads to the project when asked.
 */
export async function uploadFastqs(
  client: GencoveClient,
  options: UploadFastqsOptions,
): Promise<UploadResult> {
  const { plan } = options;
  assertUploadable(plan);
  const emit = (event: UploadEvent) => {
    try {
      options.onEvent?.(event);
    } catch {
      // a failing listener must not break the transfer
    }
  };
  const projectId =
    options.runProjectId === undefined
      ? undefined
      : normalizeUuid(options.runProjectId, 'runProjectId');
  if (projectId === undefined && options.metadata !== undefined) {
    throw new UploadOptionError('metadata is only used together with runProjectId');
  }
  const jobAbort = new AbortController();
  const signal = options.signal
    ? AbortSignal.any([options.signal, jobAbort.signal])
    : jobAbort.signal;
  emit({
    type: 'upload-plan',
    files: plan.uploads.length,
    bytes: plan.totalBytes,
    samples: plan.samples.length,
    destination: plan.destination,
  });

  // fail on a wrong project before anything is reserved or sent
  if (projectId !== undefined) {
    await client.getProject(projectId, { signal }).catch((error: unknown) => {
      if (!(error instanceof NotFoundError)) throw error;
      throw new NotFoundError(
        `Project ${projectId} does not exist or is not accessible with these credentials; nothing was uploaded.`,
        { status: error.status ?? 404 },
      );
    });
  }

  const credentials = new UploadCredentialProvider({
    fetch: (sig) => client.getUploadCredentials({ signal: sig ?? signal }),
    refreshBeforeMs: options.credentialRefreshBeforeMs ?? DEFAULT_CREDENTIAL_REFRESH_BEFORE_MS,
    signal,
    onFetched: (expiresAt, refreshed) =>
      emit({ type: 'credentials', expiresAt: expiresAt.toISOString(), refreshed }),
  });
  await credentials.refresh();

  const reserved = await reserveAll(client, plan, signal);
  const skipped = reserved.filter((r) => r.done);
  emit({
    type: 'reserved',
    files: reserved.length,
    skipped: skipped.length,
    bytes: reserved.filter((r) => !r.done).reduce((sum, r) => sum + r.upload.size, 0),
  });

  const concurrency = Math.max(1, Math.floor(options.concurrency ?? DEFAULT_UPLOAD_CONCURRENCY));
  const s3 = await createUploadS3Client({
    endpoint: options.s3Endpoint ?? client.s3Endpoint,
    credentials,
    maxSockets: concurrency,
  });
  const maxBufferBytes = options.maxBufferBytes ?? DEFAULT_UPLOAD_BUFFER_BYTES;
  const preferredPartSize = options.partSize ?? DEFAULT_PART_SIZE;
  const pool = new BufferPool(maxBufferBytes);
  const budget = new TransferBudget({ maxConnections: concurrency, maxBufferBytes });
  const files: UploadedFile[] = new Array(reserved.length);
  try {
    // at most `concurrency` files open at once; their parts share the budget in FIFO order
    const fileSlots = pLimit(concurrency);
    const results = await Promise.allSettled(
      reserved.map((r) =>
        fileSlots(async () => {
          const base = {
            label: r.upload.label,
            destinationPath: r.upload.destinationPath,
            uploadId: r.target.uploadId,
            size: r.upload.size,
          };
          if (r.done) {
            emit({
              type: 'file-skipped',
              file: r.index,
              ...base,
              reason: 'already-uploaded',
            });
            files[r.index] = { ...base, outcome: 'already-uploaded', bytesSent: 0 };
            // an interrupted run's journal for an object that is complete now is stale
            if (options.cacheDir)
              await ResumeJournal.remove(options.cacheDir, r.target.bucket, r.target.key);
            return;
          }
          signal.throwIfAborted();
          try {
            const outcome = await transferFile(
              {
                s3,
                credentials,
                budget,
                ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
                preferredPartSize,
                pool,
                // at least four buffered parts fit the budget; bigger parts stream from disk
                maxBufferedPart: Math.floor(maxBufferBytes / 4),
                // whole MiB, so the buffers of full parts (most of them) are reused
                bufferSize: (length) => Math.ceil(length / MIB) * MIB,
                signal,
                emit,
                redact: (text) => client.redact(text),
              },
              r.index,
              r.upload,
              r.target,
            );
            emit({ type: 'file-done', file: r.index, ...base, ...outcome });
            files[r.index] = {
              ...base,
              outcome: outcome.resumedBytes > 0 ? 'resumed' : 'uploaded',
              bytesSent: outcome.bytesSent,
            };
          } catch (error) {
            jobAbort.abort();
            throw error;
          }
        }),
      ),
    );
    const failure = results.find(
      (r): r is PromiseRejectedResult => r.status === 'rejected' && !isAbort(r.reason),
    );
    if (failure) throw failure.reason;
    if (signal.aborted) throw new AbortError('The upload was interrupted');
  } finally {
    s3.destroy();
  }

  const result: UploadResult = {
    destination: plan.destination,
    files,
    totalBytes: plan.totalBytes,
    bytesSent: files.reduce((sum, f) => sum + f.bytesSent, 0),
    warnings: plan.problems.filter((p) => p.severity === 'warning'),
  };
  if (projectId !== undefined) {
    result.assigned = await assignUploadsToProject(client, {
      projectId,
      destination: plan.destination,
      uploadIds: files.map((f) => f.uploadId),
      metadata: options.metadata ?? null,
      signal,
      onEvent: emit,
      ...(options.assignMaxWaitMs !== undefined ? { maxWaitMs: options.assignMaxWaitMs } : {}),
    });
  }
  return result;
}

function isAbort(error: unknown): boolean {
  return (
    error instanceof AbortError ||
    (error instanceof Error && error.name === 'AbortError') ||
    (error as { code?: string })?.code === 'ABORT_ERR'
  );
}

/** Reserves (or looks up) the upload of every planned object, before any byte is sent. */
async function reserveAll(
  client: GencoveClient,
  plan: UploadPlan,
  signal: AbortSignal,
): Promise<Reserved[]> {
  const limit = pLimit(RESERVE_CONCURRENCY);
  // after a refusal no new reservation starts; those in flight finish, so none is left dangling
  let refused = false;
  const results = await Promise.allSettled(
    plan.uploads.map((upload, index) =>
      limit(async (): Promise<Reserved> => {
        signal.throwIfAborted();
        if (refused) throw new AbortError('Not reserved after an earlier refusal');
        try {
          const slot = await client.createUpload(upload.destinationPath, { signal });
          const done = slot.last_status?.status === 'succeeded';
          if (!done && (!slot.s3?.bucket || !slot.s3.object_name)) {
            throw new ResponseShapeError(
              `uploads-post-data returned no S3 location for ${upload.destinationPath}`,
              { field: 's3' },
            );
          }
          return {
            upload,
            index,
            done,
            target: {
              bucket: slot.s3?.bucket ?? '',
              key: slot.s3?.object_name ?? '',
              uploadId: slot.id,
            },
          };
        } catch (error) {
          refused = true;
          throw error;
        }
      }),
    ),
  );
  const failure = results.find(
    (r): r is PromiseRejectedResult => r.status === 'rejected' && !isAbort(r.reason),
  );
  if (failure) throw failure.reason;
  if (signal.aborted) throw new AbortError('The upload was interrupted');
  return results.map((r) => (r as PromiseFulfilledResult<Reserved>).value);
}

/** Inconsistent job options (the CLI validates the same rules as usage errors). */
export class UploadOptionError extends Error {
  readonly code = 'ERR_GENCOVE_INPUT';
  constructor(message: string) {
    super(message);
    this.name = 'UploadOptionError';
  }
}
