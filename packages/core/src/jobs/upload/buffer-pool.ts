/**
 * Reusable part buffers. Allocating a fresh multi-MiB buffer per part churns the garbage
 * collector (it was the largest CPU cost of an upload); buffers are recycled instead. The pool
 * keeps at most `maxFreeBytes` idle; what is in use is bounded by the transfer budget.
 */
export class BufferPool {
  readonly #free = new Map<number, Buffer[]>();
  #freeBytes = 0;

  constructor(private readonly maxFreeBytes: number) {}

  take(size: number): Buffer {
    const buffer = this.#free.get(size)?.pop();
    if (buffer) {
      this.#freeBytes -= size;
      return buffer;
    }
    return Buffer.allocUnsafeSlow(size);
  }

  give(buffer: Buffer): void {
    if (this.#freeBytes + buffer.length > this.maxFreeBytes) return;
    const list = this.#free.get(buffer.length) ?? [];
    list.push(buffer);
    this.#free.set(buffer.length, list);
    this.#freeBytes += buffer.length;
  }
}
