import type { Readable } from 'node:stream';

/**
 * Reads a byte stream in pieces of exactly the size asked for, into the caller's buffers, pulling
 * chunks only when asked: a slow consumer holds the stream back (backpressure), so memory is the
 * buffers being filled plus one chunk of look-ahead.
 */
export class StreamPartReader {
  readonly #chunks: AsyncIterator<unknown>;
  #pending: Buffer | undefined;
  #ended = false;
  /** Bytes taken out of the stream so far. */
  bytesRead = 0;

  constructor(body: Readable) {
    this.#chunks = body[Symbol.asyncIterator]();
  }

  /** Fills `target` from the stream; fewer bytes than its length only at the end of the stream. */
  async fill(target: Buffer): Promise<number> {
    let filled = 0;
    while (filled < target.length) {
      const chunk = await this.#take();
      if (!chunk) break;
      const n = Math.min(chunk.length, target.length - filled);
      chunk.copy(target, filled, 0, n);
      filled += n;
      if (n < chunk.length) this.#pending = chunk.subarray(n);
    }
    this.bytesRead += filled;
    return filled;
  }

  /** True when the stream has no byte left (reads one chunk ahead when needed). */
  async ended(): Promise<boolean> {
    if (this.#pending) return false;
    const chunk = await this.#take();
    if (!chunk) return true;
    this.#pending = chunk;
    return false;
  }

  async #take(): Promise<Buffer | undefined> {
    if (this.#pending) {
      const chunk = this.#pending;
      this.#pending = undefined;
      return chunk;
    }
    while (!this.#ended) {
      const next = await this.#chunks.next();
      if (next.done) {
        this.#ended = true;
        break;
      }
      const chunk = toBuffer(next.value);
      if (chunk.length > 0) return chunk;
    }
    return undefined;
  }
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
  if (typeof chunk === 'string') return Buffer.from(chunk);
  throw new TypeError('The upload stream must yield bytes (Buffer, Uint8Array or string chunks)');
}
