import { setMaxListeners } from 'node:events';
import { type FileHandle, mkdir, open, rename, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import pLimit from 'p-limit';
import type { TransferBudget } from '../../transfer/budget.js';
import { RemoteFileChangedError } from './errors.js';
import { type FetchContext, type ObjectInfo, pumpRange } from './fetch-range.js';
import { assertReplaceable } from './local-files.js';
import {
  type PartState,
  partPath,
  readPartState,
  removePartFiles,
  writePartState,
} from './part-state.js';
import { PositionalWriter, WRITE_BATCH_BYTES, writevFully } from './positional-writer.js';
import { fileSha256 } from './sha256.js';
import type { DownloadSource } from './source.js';
import { WRITE_BEHIND_SYNC_BYTES, WriteBehindSync } from './write-behind-sync.js';

/**
 * Memory a streaming connection is charged in the budget: the batch being written, the one being
 * gathered, and socket buffers.
 */
export const STREAM_BUDGET_BYTES = 3 * WRITE_BATCH_BYTES;

export interface TransferTuning {
  /** Size of one ranged part, held in memory until the parts before it are written. Default 4 MiB. */
  partSize: number;
  /** Ranged requests in flight for one file. Default 8. */
  maxPartsPerFile: number;
  /** Files (or what is left of them) at least this large may use parallel ranged parts. Default 8 MiB. */
  rangedThreshold: number;
  /**
   * Such a file starts as one stream to its end, timed over its first `singleStreamProbeMs`
   * from the first body byte, at the rate of the window's second half (the first half is the
   * ramp-up: TCP window, fresh page-cache pages, a cold process, measured at about half the
   * rate that follows on loopback): when that one connection delivers at least this rate, it carries
   * the whole file (parallel connections only add overhead on a fast local link); otherwise it
   * stops there and the rest is fetched in parallel parts. 0 keeps one stream always, Infinity
   * goes straight to parallel parts. While other files of the run are in flight the probe is
   * skipped and the file goes straight to parallel parts. Default 160 MiB/s.
   */
  singleStreamBytesPerSecond: number;
  /** How long the single stream is timed before that decision. Default 500 ms. */
  singleStreamProbeMs: number;
  /**
   * Bytes written between two background `fdatasync` calls while a file is transferred, so the
   * `fsync` before its rename has little left to wait for (see {@link WriteBehindSync}). 0 leaves
   * all of it to that final `fsync`. Default 32 MiB.
   */
  syncEveryBytes: number;
}

export const DEFAULT_TUNING: TransferTuning = {
  partSize: 4 * 1024 * 1024,
  maxPartsPerFile: 8,
  rangedThreshold: 8 * 1024 * 1024,
  singleStreamBytesPerSecond: 160 * 1024 * 1024,
  singleStreamProbeMs: 500,
  syncEveryBytes: WRITE_BEHIND_SYNC_BYTES,
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
  /** Called just before the `.part` is renamed into place; rejects to stop it. */
  beforeCommit?: () => Promise<void>;
  budget: TransferBudget;
  fetch: FetchContext;
  tuning: TransferTuning;
  /**
   * True while other files of the run are being transferred: the link is shared, so the
   * single-stream probe is skipped and large files go straight to parallel parts (measured
   * faster for batches, on loopback and WAN alike).
   */
  linkShared?: () => boolean;
  /** Called once the transfer knows how much an earlier run left in `.part`. */
  onStart?: (resumedFrom: number) => void;
  /** Bytes of the file received so far (resumed prefix included). */
  onProgress?: (bytes: number) => void;
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
  await assertReplaceable(path);
  await mkdir(dirname(path), { recursive: true });
  let state = await readPartState(path, options.fileId, info.total);
  if (state && !(await prefixFits(path, info.total))) state = undefined;
  // Without an ETag nothing says the server still has the bytes the `.part` holds: resume only
  // when the sha256 will be checked at the end anyway.
  if (state?.etag === undefined && !(options.expectedSha256 && options.hash)) state = undefined;
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
    };
    await writePartState(path, state);
  }
  // The ETag is recorded before the first byte lands in `.part`, so that a run cut off at any
  // point leaves a state that can tell whether the server's file is still the same one.
  const started: PartState = state;
  let etagSaved: Promise<void> | undefined;
  const beforeWrite = () =>
    (etagSaved ??= (async () => {
      if (started.etag === undefined && info.etag !== undefined) {
        await writePartState(path, { ...started, etag: info.etag });
      }
    })());
  const fd = await openForUpdate(partPath(path));
  // Hashed from the file, right behind the writes; what an earlier run left is hashed first.
  const hash = options.hash ? fileSha256(fd.fd) : undefined;
  const flusher = new WriteBehindSync(fd, tuning.syncEveryBytes);
  const written: Written = (position, length) => {
    hash?.add(position, length).catch(() => {});
    flusher.written(length);
  };
  let result: DiskTransferResult;
  try {
    const resumedFrom = (await fd.stat()).size;
    hash?.add(0, resumedFrom).catch(() => {});
    options.onStart?.(resumedFrom);
    let position = resumedFrom;
    const ranged = info.total - position >= tuning.rangedThreshold && tuning.maxPartsPerFile > 1;
    const threshold = tuning.singleStreamBytesPerSecond;
    if (
      ranged &&
      threshold > 0 &&
      (threshold === Number.POSITIVE_INFINITY || options.linkShared?.())
    ) {
      await inOrderParts(options, fd, position, written, beforeWrite);
    } else {
      const probe =
        ranged && threshold > 0 ? { ms: tuning.singleStreamProbeMs, threshold } : undefined;
      position = await oneStream(options, fd, position, info.total, written, beforeWrite, probe);
      if (position < info.total) await inOrderParts(options, fd, position, written, beforeWrite);
    }
    await flusher.finish();
    result = { resumedFrom, ...(hash ? { sha256: await hash.digest() } : {}) };
  } catch (error) {
    await hash?.dispose();
    await flusher.settle();
    await fd.close().catch(() => {});
    if (error instanceof RemoteFileChangedError) await removePartFiles(path);
    throw error;
  }
  await fd.close();
  if (options.expectedSha256 && result.sha256 && result.sha256 !== options.expectedSha256) {
    await removePartFiles(path);
    throw new IntegrityMismatch(result.sha256);
  }
  // A run that lost the file's lock (it stalled past the stale time) must not rename over the
  // new owner's work.
  await options.beforeCommit?.();
  await rename(partPath(path), path);
  await removePartFiles(path);
  await syncDirectory(dirname(path));
  return result;
}

async function prefixFits(path: string, total: number): Promise<boolean> {
  try {
    return (await stat(partPath(path))).size <= total;
  } catch {
    return false;
  }
}

/**
 * Told of each range once it is in the file, in file order: it is hashed from the file on the
 * hashing thread (a failed read surfaces at `digest()`) and counted for the write-behind flush.
 */
type Written = (position: number, length: number) => void;

/** Times the start of a single stream; see {@link TransferTuning.singleStreamBytesPerSecond}. */
interface StreamProbe {
  ms: number;
  threshold: number;
}

/**
 * Bytes [from, to) in one request, written in batches and hashed from the file behind them. With
 * a probe, the stream is timed from its first body byte (the wait for a budget connection and the
 * request's round trip say nothing about what one connection carries) and stops after `probe.ms`
 * when the second half of that window was slower than `probe.threshold`. Resolves with the
 * offset it reached (`to` when done).
 */
async function oneStream(
  options: DiskTransferOptions,
  fd: FileHandle,
  from: number,
  to: number,
  written: Written,
  beforeWrite: () => Promise<void>,
  probe?: StreamProbe,
): Promise<number> {
  if (from >= to) return to;
  return options.budget.run(
    STREAM_BUDGET_BYTES,
    async () => {
      const writer = new PositionalWriter(fd, from, (position, length) => {
        options.onProgress?.(position + length);
        written(position, length);
      });
      let firstByteAt: number | undefined;
      let half: { at: number; bytes: number } | undefined;
      let timed = probe;
      let received = from;
      const take = (chunk: Buffer) => {
        const pending = writer.write(chunk);
        received += chunk.length;
        if (timed) {
          const now = performance.now();
          firstByteAt ??= now;
          const elapsedMs = now - firstByteAt;
          if (!half && elapsedMs >= timed.ms / 2) half = { at: now, bytes: received };
          if (half && elapsedMs >= timed.ms) {
            const rate = ((received - half.bytes) * 1000) / Math.max(now - half.at, 1e-3);
            if (rate < timed.threshold) throw new ProbeStop();
            timed = undefined;
          }
        }
        return pending;
      };
      try {
        await pumpRange(
          { source: options.source, start: from, end: to, info: options.info },
          options.fetch,
          (chunk) => {
            // Until the state has the ETag nothing is written; later chunks queue behind it.
            return received === from ? beforeWrite().then(() => take(chunk)) : take(chunk);
          },
        );
      } catch (error) {
        // What arrived stays in `.part`: for parallel parts to go on from, or the next run.
        await writer.flush().catch(() => {});
        if (error instanceof ProbeStop) return writer.position;
        throw error;
      }
      await writer.flush();
      return writer.position;
    },
    options.fetch.signal,
  );
}

/** The probed single stream is too slow: stop it where it is. */
class ProbeStop extends Error {}

interface Part {
  start: number;
  end: number;
  /** Pooled buffer the part's bytes are copied into, once the part holds budget memory. */
  buffer?: Buffer;
  received: number;
  /** Returns the part's memory (and buffer) once it is on disk. */
  release?: () => void;
}

/**
 * Part buffers, reused across the parts and files of one run (keyed by its budget). A part only
 * takes one after acquiring its memory from the budget, so live + pooled buffers never exceed the
 * budget; reuse keeps the garbage collector out of the way (retaining many small network chunks
 * instead cost more CPU than the transfer itself).
 */
const pools = new WeakMap<TransferBudget, Map<number, Buffer[]>>();

function takeBuffer(budget: TransferBudget, size: number): Buffer {
  let bySize = pools.get(budget);
  if (!bySize) {
    bySize = new Map();
    pools.set(budget, bySize);
  }
  return bySize.get(size)?.pop() ?? Buffer.allocUnsafeSlow(size);
}

function returnBuffer(budget: TransferBudget, buffer: Buffer): void {
  const bySize = pools.get(budget);
  const free = bySize?.get(buffer.length) ?? [];
  free.push(buffer);
  bySize?.set(buffer.length, free);
}

/**
 * Large files: `partSize` ranges fetched `maxPartsPerFile` at a time, each copied into a pooled
 * buffer (its memory charged to the budget) until every part before it is done, then written in
 * order with one write per part and hashed from the file behind the writes. The `.part` file
 * therefore stays a prefix of the file — resumable by size —, and the disk sees one sequential
 * writer, as with a single stream.
 */
async function inOrderParts(
  options: DiskTransferOptions,
  fd: FileHandle,
  from: number,
  written: Written,
  beforeWrite: () => Promise<void>,
) {
  const { info, tuning, budget } = options;
  const parts: Part[] = [];
  for (let start = from; start < info.total; start += tuning.partSize) {
    parts.push({ start, end: Math.min(info.total, start + tuning.partSize), received: 0 });
  }
  const abort = new AbortController();
  const signal = options.fetch.signal
    ? AbortSignal.any([options.fetch.signal, abort.signal])
    : abort.signal;
  setMaxListeners(0, signal);
  const fetchCtx: FetchContext = { ...options.fetch, signal };
  let received = from;
  let failure: unknown;
  const fail = (error: unknown) => {
    if (failure === undefined) {
      failure = error;
      abort.abort();
    }
  };
  let next = 0;
  let writing: Promise<void> = Promise.resolve();
  let committing: Promise<void> = Promise.resolve();
  const commit = () => {
    committing = committing.then(async () => {
      while (failure === undefined && next < parts.length) {
        const part = parts[next]!;
        if (part.release === undefined) return;
        const length = part.end - part.start;
        next++;
        // One write in flight: the file stays a prefix even if the process dies mid-write.
        await writing;
        await beforeWrite();
        writing = writevFully(fd, [part.buffer!.subarray(0, length)], part.start);
        writing.then(
          () => {
            part.release?.();
            written(part.start, length);
          },
          (error) => {
            part.release?.();
            fail(error);
          },
        );
      }
      await writing;
    });
    committing.catch(fail);
  };
  const fetchPart = async (part: Part) => {
    const length = part.end - part.start;
    const releaseMemory = await budget.memory.acquire(tuning.partSize, signal);
    const buffer = takeBuffer(budget, tuning.partSize);
    const release = () => {
      returnBuffer(budget, buffer);
      releaseMemory();
    };
    try {
      const releaseConnection = await budget.connections.acquire(1, signal);
      try {
        await pumpRange(
          { source: options.source, start: part.start, end: part.end, info },
          fetchCtx,
          (chunk) => {
            chunk.copy(buffer, part.received);
            part.received += chunk.length;
            received += chunk.length;
            options.onProgress?.(received);
            return undefined;
          },
        );
      } finally {
        releaseConnection();
      }
      if (part.received !== length) throw new Error(`part at ${part.start} is incomplete`);
    } catch (error) {
      release();
      throw error;
    }
    part.buffer = buffer;
    part.release = release;
    commit();
  };
  const limit = pLimit(tuning.maxPartsPerFile);
  await Promise.allSettled(
    parts.map((part) =>
      limit(async () => {
        if (failure !== undefined) return;
        await fetchPart(part).catch(fail);
      }),
    ),
  );
  await committing.catch(() => {});
  await writing.catch(() => {});
  // Parts fetched but never written give their memory back.
  for (let i = next; i < parts.length; i++) parts[i]!.release?.();
  if (failure !== undefined) throw failure;
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
