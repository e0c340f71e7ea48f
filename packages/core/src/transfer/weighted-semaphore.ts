/**
 * A FIFO semaphore over a weight (bytes of buffer, or connections). p-limit bounds a count of
 * tasks, not a weight, and memory budgets need weights, hence this small class.
 */
export class WeightedSemaphore {
  private available: number;
  private readonly waiters: Array<{
    weight: number;
    resolve: () => void;
    reject: (error: unknown) => void;
    signal?: AbortSignal;
    onAbort?: () => void;
  }> = [];

  constructor(readonly capacity: number) {
    if (!(capacity > 0)) throw new RangeError('capacity must be positive');
    this.available = capacity;
  }

  get inUse(): number {
    return this.capacity - this.available;
  }

  /** Waits for `weight` units (clamped to capacity so one oversized request cannot deadlock). */
  async acquire(weight: number, signal?: AbortSignal): Promise<() => void> {
    const units = Math.min(Math.max(weight, 0), this.capacity);
    signal?.throwIfAborted();
    if (this.waiters.length === 0 && this.available >= units) {
      this.available -= units;
      return this.releaser(units);
    }
    await new Promise<void>((resolve, reject) => {
      const waiter: (typeof this.waiters)[number] = { weight: units, resolve, reject, signal };
      if (signal) {
        waiter.onAbort = () => {
          const index = this.waiters.indexOf(waiter);
          if (index >= 0) this.waiters.splice(index, 1);
          reject(signal.reason);
          this.drain();
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.waiters.push(waiter);
    });
    return this.releaser(units);
  }

  private releaser(units: number): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.available += units;
      this.drain();
    };
  }

  private drain(): void {
    while (this.waiters.length > 0 && this.waiters[0]!.weight <= this.available) {
      const waiter = this.waiters.shift()!;
      this.available -= waiter.weight;
      if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.resolve();
    }
  }
}
