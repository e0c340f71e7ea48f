import type { FileHandle } from 'node:fs/promises';

/** Bytes gathered before one `writev`: fewer syscalls than one write per network chunk. */
export const WRITE_BUFFER_BYTES = 1024 * 1024;

/**
 * Writes a stream of chunks at increasing offsets of an open file, in batches. `onWritten` runs
 * after each batch is in the file (so readers may read it back).
 */
export class PositionalWriter {
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #position: number;

  constructor(
    private readonly fd: FileHandle,
    start: number,
    private readonly onWritten: (bytes: number, endPosition: number) => void = () => {},
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
    if (this.#pendingBytes >= this.batchBytes) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.#pendingBytes === 0) return;
    const buffers = this.#pending;
    const total = this.#pendingBytes;
    this.#pending = [];
    this.#pendingBytes = 0;
    let offset = 0;
    while (offset < total) {
      const { bytesWritten } = await this.fd.writev(sliceFrom(buffers, offset), this.#position);
      if (bytesWritten <= 0) throw new Error('write made no progress');
      offset += bytesWritten;
      this.#position += bytesWritten;
    }
    this.onWritten(total, this.#position);
  }
}

function sliceFrom(buffers: Buffer[], offset: number): Buffer[] {
  if (offset === 0) return buffers;
  const out: Buffer[] = [];
  let skip = offset;
  for (const b of buffers) {
    if (skip >= b.length) {
      skip -= b.length;
      continue;
    }
    out.push(skip > 0 ? b.subarray(skip) : b);
    skip = 0;
  }
  return out;
}
