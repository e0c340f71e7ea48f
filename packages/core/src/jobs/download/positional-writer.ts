import type { FileHandle } from 'node:fs/promises';
import { sharedBuffer } from './sha256.js';

/** Bytes gathered before one write: fewer syscalls than one write per network chunk. */
export const WRITE_BUFFER_BYTES = 1024 * 1024;

/**
 * Batch buffers of finished writers, reused by the next ones: shared memory lives outside the
 * JavaScript heap and a fresh pair per file let a batch of files grow the process by 2 MiB each
 * before the garbage collector noticed (measured: 80 files, +150 MiB peak RSS).
 */
const spareBuffers: Buffer[] = [];
const MAX_SPARE_BUFFERS = 32;

function takeBatchBuffer(size: number): Buffer {
  const spare = size === WRITE_BUFFER_BYTES ? spareBuffers.pop() : undefined;
  return spare ?? sharedBuffer(size);
}

/**
 * Writes a stream of chunks at increasing offsets of an open file, gathered into batches (one
 * write per batch). Two batch buffers: while one is written (thread pool) and passed to
 * `onBatch` (the hash, on the hashing thread), network chunks are copied into the other. The
 * buffers are shared memory so the hashing thread reads them in place; `onBatch` must be done
 * with a batch when its promise resolves, and sees the batches in file order. `flush()` resolves
 * once every batch is in the file. A failed write surfaces at the next `write()` or `flush()`.
 * `release()` after the last `flush()` hands the buffers to the next writer.
 */
export class PositionalWriter {
  #buffers: [Buffer, Buffer] | undefined;
  #current = 0;
  #filled = 0;
  #position: number;
  #inFlight: Promise<void> | undefined;

  constructor(
    private readonly fd: FileHandle,
    start: number,
    private readonly onBatch: (
      batch: Buffer,
      endPosition: number,
    ) => Promise<void> = async () => {},
    batchBytes = WRITE_BUFFER_BYTES,
  ) {
    this.#position = start;
    this.#buffers = [takeBatchBuffer(batchBytes), takeBatchBuffer(batchBytes)];
  }

  /** Offset just after the last byte handed to the file. */
  get position(): number {
    return this.#position;
  }

  /**
   * Copies `chunk` into the batch being gathered. Returns a promise only when a full batch had to
   * wait for the one before it (await it before the next write); `undefined` otherwise, so the
   * common case costs no promise.
   */
  write(chunk: Buffer): Promise<void> | undefined {
    const buffers = this.#buffers;
    if (!buffers) throw new Error('write after release');
    let offset = 0;
    let waiting: Promise<void> | undefined;
    while (offset < chunk.length) {
      const buffer = buffers[this.#current]!;
      const n = Math.min(chunk.length - offset, buffer.length - this.#filled);
      chunk.copy(buffer, this.#filled, offset, offset + n);
      this.#filled += n;
      offset += n;
      if (this.#filled === buffer.length) {
        if (offset < chunk.length) {
          // The rest of this chunk needs the other buffer: finish this (rare) case asynchronously.
          return this.#startBatch().then(() => this.write(chunk.subarray(offset)));
        }
        waiting = this.#startBatch();
      }
    }
    return waiting;
  }

  async flush(): Promise<void> {
    await this.#startBatch();
    await this.#inFlight;
  }

  /** Gives the buffers back once nothing is in flight; the writer is unusable afterwards. */
  async release(): Promise<void> {
    await this.#inFlight?.catch(() => {});
    const buffers = this.#buffers;
    this.#buffers = undefined;
    for (const buffer of buffers ?? []) {
      if (buffer.length === WRITE_BUFFER_BYTES && spareBuffers.length < MAX_SPARE_BUFFERS) {
        spareBuffers.push(buffer);
      }
    }
  }

  /** Waits for the batch in flight (its buffer is the next one), then sends the gathered bytes. */
  async #startBatch(): Promise<void> {
    await this.#inFlight;
    if (this.#filled === 0 || !this.#buffers) return;
    const batch = this.#buffers[this.#current]!.subarray(0, this.#filled);
    this.#current = 1 - this.#current;
    this.#filled = 0;
    const position = this.#position;
    this.#position += batch.length;
    const inFlight = this.#send(batch, position);
    // Observed by the next write()/flush(); never an unhandled rejection meanwhile.
    inFlight.catch(() => {});
    this.#inFlight = inFlight;
  }

  async #send(batch: Buffer, position: number): Promise<void> {
    const written = writeFully(this.fd, batch, position);
    written.catch(() => {});
    try {
      await this.onBatch(batch, position + batch.length);
    } finally {
      await written;
    }
  }
}

/** `write` until every byte is in the file (a positional write may be partial). */
export async function writeFully(fd: FileHandle, bytes: Buffer, position: number): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await fd.write(
      bytes,
      offset,
      bytes.length - offset,
      position + offset,
    );
    if (bytesWritten <= 0) throw new Error('write made no progress');
    offset += bytesWritten;
  }
}
