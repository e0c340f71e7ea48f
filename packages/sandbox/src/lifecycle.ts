import { setMaxListeners } from 'node:events';

/**
 * Tracks every timer and background task of a sandbox so that close() can stop them all and leave
 * no open handle behind.
 */
export class Lifecycle {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly tasks = new Set<Promise<unknown>>();
  readonly abort = new AbortController();

  constructor() {
    // every sleep, fetch and webhook of the sandbox listens to this one signal
    setMaxListeners(0, this.abort.signal);
  }

  get closed(): boolean {
    return this.abort.signal.aborted;
  }

  /** Resolves after `ms`, or early (with no error) when the sandbox closes. */
  sleep(ms: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.abort.signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = (): void => {
        clearTimeout(timer);
        this.timers.delete(timer);
        resolve();
      };
      this.timers.add(timer);
      this.abort.signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  interval(ms: number, fn: () => void): void {
    const timer = setInterval(fn, ms);
    timer.unref();
    this.timers.add(timer);
  }

  /** Registers a background promise; close() waits for it (errors are swallowed). */
  track<T>(promise: Promise<T>): Promise<T> {
    const guarded = promise.catch(() => undefined);
    this.tasks.add(guarded);
    void guarded.finally(() => this.tasks.delete(guarded));
    return promise;
  }

  async close(): Promise<void> {
    this.abort.abort();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    while (this.tasks.size > 0) await Promise.all([...this.tasks]);
  }
}
