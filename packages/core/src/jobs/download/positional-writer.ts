import type { FileHandle } from 'node:fs/promises';

/** Bytes gathered before one write: fewer syscalls than one write per network chunk. */
export const WRITE_BATCH_BYTES = 1024 * 1024;

/**
 * Writes a stream of chunks at increasing offsets of an open file, one `writev` per batch of
 * about `batchBytes`. Chunks are kept by reference until written (never copied: copying each
 * network chunk cost more CPU than receiving it), so they must not change afterwards. One batch
 * is written while the next is gathered. `onWritten` is told each batch's range once it is in
 * the file, in file order. A failed write surfaces at the next `write()` or `flush()`.
 */
export class PositionalWriter {
  #chunks: Buffer[] = [];
  #gathered = 0;
  #position: number;
  #inFlight: Promise<void> | undefined;

  constructor(
    private readonly fd: FileHandle,
    start: number,
    private readonly onWritten: (position: number, length: number) => void = () => {},
    private readonly batchBytes = WRITE_BATCH_BYTES,
  ) {
    this.#position = start;
  }

  /** Offset just after the last byte handed to the file. */
  get position(): number {
    return this.#position;
  }

  /**
   * Adds `chunk` to the batch being gathered. Returns a promise only when a full batch has to
   * wait for the one before it (await it before the next write); `undefined` otherwise, so the
   * common case costs no promise.
   */
  write(chunk: Buffer): Promise<void> | undefined {
    if (chunk.length === 0) return undefined;
    this.#chunks.push(chunk);
    this.#gathered += chunk.length;
    if (this.#gathered < this.batchBytes) return undefined;
    return this.#inFlight ? this.#startBatch() : void this.#startBatch();
  }

  async flush(): Promise<void> {
    await this.#startBatch();
    await this.#inFlight;
  }

  /** Waits for the batch in flight, then sends the gathered chunks. */
  async #startBatch(): Promise<void> {
    // Callers waiting here resume one after another, the first taking every gathered chunk.
    if (this.#inFlight) await this.#inFlight;
    if (this.#gathered === 0) return;
    const chunks = this.#chunks;
    const length = this.#gathered;
    const position = this.#position;
    this.#chunks = [];
    this.#gathered = 0;
    this.#position += length;
    const inFlight = writevFully(this.fd, chunks, position).then(() =>
      this.onWritten(position, length),
    );
    // Observed by the next write()/flush(); never an unhandled rejection meanwhile.
    inFlight.catch(() => {});
    this.#inFlight = inFlight;
  }
}

/** `writev` until every byte is in the file (a positional write may be partial). */
export async function writevFully(
  fd: FileHandle,
  chunks: Buffer[],
  position: number,
): Promise<void> {
  let rest = chunks;
  let at = position;
  while (rest.length > 0) {
    const { bytesWritten } = await fd.writev(rest, at);
    if (bytesWritten <= 0) throw new Error('write made no progress');
    at += bytesWritten;
    let skip = bytesWritten;
    let i = 0;
    while (i < rest.length && skip >= rest[i]!.length) skip -= rest[i++]!.length;
    rest = rest.slice(i);
    if (skip > 0) rest[0] = rest[0]!.subarray(skip);
  }
}
