import type { FileHandle } from 'node:fs/promises';

/** Bytes gathered before one write: fewer syscalls than one write per network chunk. */
export const WRITE_BUFFER_BYTES = 1024 * 1024;

/**
 * Writes a stream of chunks at increasing offsets of an open file, in batches gathered into one
 * buffer (one write per batch). `onBatch` receives each batch once it is in the file.
 */
export class PositionalWriter {
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #position: number;

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
    if (this.#pendingBytes >= this.batchBytes) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.#pendingBytes === 0) return;
    const batch = Buffer.allocUnsafe(this.#pendingBytes);
    let offset = 0;
    for (const chunk of this.#pending) {
      chunk.copy(batch, offset);
      offset += chunk.length;
    }
    this.#pending = [];
    this.#pendingBytes = 0;
    await writeFully(this.fd, batch, this.#position);
    this.#position += batch.length;
    await this.onBatch(batch, this.#position);
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
