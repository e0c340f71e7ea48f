import { createHash } from 'node:crypto';
import { type FileHandle, mkdir, open, rename, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import pLimit from 'p-limit';
import type { TransferBudget } from '../../transfer/budget.js';
import { RemoteFileChangedError } from './errors.js';
import { type FetchContext, fetchRange, type ObjectInfo } from './fetch-range.js';
import { OrderedHasher, type Stretch } from './ordered-hasher.js';
import {
  mergeRanges,
  type PartState,
  partPath,
  readPartState,
  removePartFiles,
  writePartState,
} from './part-state.js';
import { PositionalWriter, WRITE_BUFFER_BYTES } from './positional-writer.js';
import type { DownloadSource } from './source.js';

/** Memory one streaming connection is charged in the budget: its write batch plus socket buffers. */
export const STREAM_BUDGET_BYTES = 2 * WRITE_BUFFER_BYTES;

export interface TransferTuning {
  /** Size of one ranged part. Default 16 MiB. */
  partSize: number;
  /** Ranged requests in flight for one file. Default 8. */
  maxPartsPerFile: number;
  /** Files at least this large are fetched in parallel ranged parts. Default 32 MiB. */
  rangedThreshold: number;
}

export const DEFAULT_TUNING: TransferTuning = {
  partSize: 16 * 1024 * 1024,
  maxPartsPerFile: 8,
  rangedThreshold: 32 * 1024 * 1024,
};

export interface DiskTransferOptions {
  /** Final path; bytes go to `<path>.part` (+ `<path>.part.json`) until verified. */
  path: string;
  fileId: string;
  source: DownloadSource;
  /** What is known of the object (size at least, from the API or a probe). */
  info: ObjectInfo & { total: number };
  /** Lower-case hex sha256 to compare with, when the API has one. */
  expectedSha256?: string;
  /** Compute sha256 while streaming (needed to compare, and reported). */
  hash: boolean;
  budget: TransferBudget;
  fetch: FetchContext;
  tuning: TransferTuning;
  /** Called once the transfer knows how much an earlier run left in `.part`. */
  onStart?: (resumedFrom: number) => void;
  /** Bytes of the file on disk so far (resumed prefix included). */
  onProgress?: (bytesOnDisk: number) => void;
}

export interface DiskTransferResult {
  sha256?: string;
  /** Bytes that were already in a `.part` from an earlier run and were not fetched again. */
  resumedFrom: number;
}

/** The transfer was complete but its sha256 differs: `.part` files are already removed. */
export class IntegrityMismatch extends Error {
  constructor(readonly actual: string) {
    super(`sha256 mismatch (${actual})`);
  }
}

/**
 * Downloads one deliverable into `<path>.part`, resuming a previous `.part` when its state
 * matches, then flushes it to disk, checks the sha256 and renames it into place. On failure the
 * `.part` and its state stay for the next run (except on a mismatch or a changed source).
 */
export async function transferToDisk(options: DiskTransferOptions): Promise<DiskTransferResult> {
  const { path, info, tuning } = options;
  await mkdir(dirname(path), { recursive: true });
  let state = await readPartState(path, options.fileId, info.total);
  if (state && !(await partMatches(path, state))) state = undefined;
  if (state?.etag !== undefined) {
    if (info.etag !== undefined && info.etag !== state.etag) state = undefined;
    else info.etag = state.etag;
  }
  if (!state) {
    await removePartFiles(path);
    state = {
      version: 1,
      fileId: options.fileId,
      total: info.total,
      ...(info.etag !== undefined ? { etag: info.etag } : {}),
      layout:
        info.total >= tuning.rangedThreshold && tuning.maxPartsPerFile > 1
          ? 'ranged'
          : 'sequential',
      done: [],
    };
    await writePartState(path, state);
  }
  let result: DiskTransferResult;
  try {
    result =
      state.layout === 'ranged' ? await ranged(options, state) : await sequential(options, state);
  } catch (error) {
    if (error instanceof RemoteFileChangedError) await removePartFiles(path);
    throw error;
  }
  if (options.expectedSha256 && result.sha256 && result.sha256 !== options.expectedSha256) {
    await removePartFiles(path);
    throw new IntegrityMismatch(result.sha256);
  }
  await rename(partPath(path), path);
  await removePartFiles(path);
  await syncDirectory(dirname(path));
  return result;
}

async function partMatches(path: string, state: PartState): Promise<boolean> {
  try {
    const size = (await stat(partPath(path))).size;
    return state.layout === 'ranged' ? size === state.total : size <= state.total;
  } catch {
    return false;
  }
}

async function sequential(options: DiskTransferOptions, state: PartState) {
  const { path, info } = options;
  const fd = await openForUpdate(partPath(path));
  try {
    const resumedFrom = (await fd.stat()).size;
    const hash = options.hash ? await hashPrefix(fd, resumedFrom) : undefined;
    options.onStart?.(resumedFrom);
    const writer = new PositionalWriter(fd, resumedFrom, (_n, position) =>
      options.onProgress?.(position),
    );
    await options.budget.run(
      STREAM_BUDGET_BYTES,
      async () => {
        const chunks = fetchRange(
          { source: options.source, start: resumedFrom, end: info.total, info },
          options.fetch,
        );
        try {
          for await (const chunk of chunks) {
            hash?.update(chunk);
            await writer.write(chunk);
          }
        } catch (error) {
          // What arrived stays in `.part` for the next run to resume from.
          await writer.flush().catch(() => {});
          throw error;
        }
        await writer.flush();
      },
      options.fetch.signal,
    );
    if (state.etag === undefined && info.etag !== undefined) {
      await writePartState(path, { ...state, etag: info.etag });
    }
    await fd.sync();
    return { resumedFrom, ...(hash ? { sha256: hash.digest('hex') } : {}) };
  } finally {
    await fd.close();
  }
}

async function hashPrefix(fd: FileHandle, length: number) {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(1024 * 1024);
  let position = 0;
  while (position < length) {
    const { bytesRead } = await fd.read(
      buffer,
      0,
      Math.min(buffer.length, length - position),
      position,
    );
    if (bytesRead <= 0) break;
    hash.update(buffer.subarray(0, bytesRead));
    position += bytesRead;
  }
  return hash;
}

/** Cuts [0, total) into stretches: the done ranges as finished ones, the gaps into parts. */
export function planStretches(
  total: number,
  done: Array<[number, number]>,
  partSize: number,
): Stretch[] {
  const stretches: Stretch[] = [];
  let cursor = 0;
  const addGap = (from: number, to: number) => {
    for (let start = from; start < to; start += partSize) {
      stretches.push({ start, end: Math.min(to, start + partSize), written: 0 });
    }
  };
  for (const [s, e] of mergeRanges(done)) {
    addGap(cursor, s);
    stretches.push({ start: s, end: e, written: e - s });
    cursor = e;
  }
  addGap(cursor, total);
  return stretches;
}

async function ranged(options: DiskTransferOptions, state: PartState) {
  const { path, info, tuning } = options;
  const fd = await openForUpdate(partPath(path));
  const stretches = planStretches(info.total, state.done, tuning.partSize);
  const doneBytes = () => stretches.reduce((sum, s) => sum + s.written, 0);
  const resumedFrom = doneBytes();
  const abort = new AbortController();
  const signal = options.fetch.signal
    ? AbortSignal.any([options.fetch.signal, abort.signal])
    : abort.signal;
  const fetchCtx: FetchContext = { ...options.fetch, signal };
  let onDisk = resumedFrom;
  let saving: Promise<void> = Promise.resolve();
  const saveState = () => {
    const done = mergeRanges(
      stretches
        .filter((s) => s.written > 0)
        .map((s): [number, number] => [s.start, s.start + s.written]),
    );
    const next = { ...state, ...(info.etag !== undefined ? { etag: info.etag } : {}), done };
    saving = saving.then(() => writePartState(path, next));
    return saving;
  };
  try {
    if ((await fd.stat()).size !== info.total) await fd.truncate(info.total);
    options.onStart?.(resumedFrom);
    const hasher = options.hash ? new OrderedHasher(fd, stretches, info.total) : undefined;
    const digest = hasher?.digest();
    // A failing part must not leave an unobserved rejection behind.
    digest?.catch(() => {});
    const limit = pLimit(tuning.maxPartsPerFile);
    const runStretch = (stretch: Stretch) =>
      options.budget.run(
        STREAM_BUDGET_BYTES,
        async () => {
          const writer = new PositionalWriter(fd, stretch.start + stretch.written, (n) => {
            stretch.written += n;
            onDisk += n;
            options.onProgress?.(onDisk);
            hasher?.notify();
          });
          const chunks = fetchRange(
            {
              source: options.source,
              start: stretch.start + stretch.written,
              end: stretch.end,
              info,
            },
            fetchCtx,
          );
          try {
            for await (const chunk of chunks) await writer.write(chunk);
          } catch (error) {
            await writer.flush().catch(() => {});
            throw error;
          }
          await writer.flush();
          await saveState();
        },
        signal,
      );
    // The first failure stops the other parts; it (not their AbortErrors) is what we report.
    let firstError: unknown;
    const results = await Promise.allSettled(
      stretches
        .filter((s) => s.written < s.end - s.start)
        .map((s) =>
          limit(() =>
            runStretch(s).catch((error: unknown) => {
              if (firstError === undefined && !abort.signal.aborted) {
                firstError = error;
                abort.abort();
              }
              throw error;
            }),
          ),
        ),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      const error = (firstError ?? failed.reason) as Error;
      hasher?.fail(error);
      throw error;
    }
    const sha256 = await digest;
    await fd.sync();
    return { resumedFrom, ...(sha256 ? { sha256 } : {}) };
  } catch (error) {
    abort.abort();
    await saveState().catch(() => {});
    throw error;
  } finally {
    await saving.catch(() => {});
    await fd.close();
  }
}

async function openForUpdate(file: string): Promise<FileHandle> {
  try {
    return await open(file, 'r+');
  } catch {
    return open(file, 'w+');
  }
}

async function syncDirectory(dir: string): Promise<void> {
  let fd: FileHandle | undefined;
  try {
    fd = await open(dir, 'r');
    await fd.sync();
  } catch {
    // Not supported everywhere (Windows); the rename itself is already done.
  } finally {
    await fd?.close();
  }
}
