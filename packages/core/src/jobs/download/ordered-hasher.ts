import { createHash, type Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';

const READ_BLOCK = 1024 * 1024;

/** One contiguous piece of the file and how much of it, from its start, is on disk. */
export interface Stretch {
  start: number;
  end: number;
  written: number;
}

/**
 * sha256 of a file whose pieces are written in parallel: follows the "frontier" (the end of the
 * contiguous prefix that is on disk) and hashes it by reading it back, so the hash is computed
 * while the download runs and the bytes read are still in the page cache. `stretches` must cover
 * [0, total) in order.
 */
export class OrderedHasher {
  readonly #hash: Hash = createHash('sha256');
  #hashed = 0;
  #index = 0;
  #wake: (() => void) | undefined;
  #failed: Error | undefined;
  readonly #buffer = Buffer.allocUnsafe(READ_BLOCK);

  constructor(
    private readonly fd: FileHandle,
    private readonly stretches: readonly Stretch[],
    private readonly total: number,
  ) {}

  /** Call after any stretch's `written` grew. */
  notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** Stops a running `digest()` (the transfer failed). */
  fail(error: Error): void {
    this.#failed = error;
    this.notify();
  }

  #frontier(): number {
    while (this.#index < this.stretches.length) {
      const s = this.stretches[this.#index]!;
      if (s.start + s.written < s.end) return s.start + s.written;
      this.#index++;
    }
    return this.total;
  }

  /** Resolves with the hex digest once every byte has been hashed. */
  async digest(): Promise<string> {
    while (this.#hashed < this.total) {
      if (this.#failed) throw this.#failed;
      const frontier = this.#frontier();
      if (frontier <= this.#hashed) {
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
        continue;
      }
      const length = Math.min(READ_BLOCK, frontier - this.#hashed);
      const { bytesRead } = await this.fd.read(this.#buffer, 0, length, this.#hashed);
      if (bytesRead <= 0) throw new Error(`short read while hashing at byte ${this.#hashed}`);
      this.#hash.update(this.#buffer.subarray(0, bytesRead));
      this.#hashed += bytesRead;
    }
    return this.#hash.digest('hex');
  }
}
