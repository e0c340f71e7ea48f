import type { FileHandle } from 'node:fs/promises';

/** Bytes gathered before one write: fewer syscalls than one write per network chunk. */
export const WRITE_BUFFER_BYTES = 1024 * 1024;

/**
 * Writes a stream of chunks at increasing offsets of an open file, in batches gathered into one
 * buffer (one write per batch). One batch is in flight while the next is gathered, so the network
 * keeps delivering while the previous batch is written (thread pool) and passed to `onBatch`
 * (the hash, on this thread, overlapping the write). `onBatch` sees the batches in file order;
 * `flush()` resolves once every batch is in the file. A failed write surfaces at the next
 * `write()` or `flush()`.
 */
export class PositionalWriter {
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #position: number;
  #inFlight: Promise<void> | undefined;

  constructor(
    private readonly fd: FileHandle,
    start: number,
    private readonly onBatch: (
      batch: Buffer,
      endPosition: number,
    ) => void | Promise<void> = () => {},
    private readonly batchBytes = WRITE_BUFFER_BYTES,
  ) {
    this.#position = start;
  }

  /** Offset just after the last byte handed to the file. */
  get position(): number {
    return this.#position;
  }

  async write(chunk: Buffer): Promise<void> {
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
    if (this.#pendingBytes >= this.batchBytes) await this.#startBatch();
  }

  async flush(): Promise<void> {
    await this.#startBatch();
    await this.#inFlight;
  }

  /** Waits for the batch in flight, then sends the gathered bytes without waiting for them. */
  async #startBatch(): Promise<void> {
    await this.#inFlight;
    if (this.#pendingBytes === 0) return;
    const batch = Buffer.allocUnsafe(this.#pendingBytes);
    let offset = 0;
    for (const chunk of this.#pending) {
      chunk.copy(batch, offset);
      offset += chunk.length;
    }
    this.#pending = [];
    this.#pendingBytes = 0;
    const position = this.#position;
    this.#position += batch.length;
    const inFlight = this.#send(batch, position);
    // Observed by the next write()/flush(); never an unhandled rejection meanwhile.
    inFlight.catch(() => {});
    this.#inFlight = inFlight;
  }

  async #send(batch: Buffer, position: number): Promise<void> {
    const written = writeFully(this.fd, batch, position);
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
