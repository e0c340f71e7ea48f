/**
 * Token bucket bounding the request rate of a watch: at most `capacity` requests in a burst
 * and `perMinute` sustained. Requests reserve a token and wait until it is theirs, so over
 * any window of T minutes a watch sends at most `capacity + perMinute · T` requests.
 */
export interface TokenBucketOptions {
  capacity: number;
  perMinute: number;
  /** Milliseconds, monotonic enough for rate keeping. */
  now: () => number;
}

export const DEFAULT_REQUEST_BUDGET = { capacity: 60, perMinute: 6 } as const;

export class TokenBucket {
  readonly #capacity: number;
  readonly #perMs: number;
  readonly #now: () => number;
  #tokens: number;
  #at: number;

  constructor(options: TokenBucketOptions) {
    if (!(options.capacity >= 1)) throw new RangeError('capacity must be ≥ 1');
    if (!(options.perMinute > 0)) throw new RangeError('perMinute must be > 0');
    this.#capacity = options.capacity;
    this.#perMs = options.perMinute / 60_000;
    this.#now = options.now;
    this.#tokens = options.capacity;
    this.#at = options.now();
  }

  /** Reserves one token; returns how long to wait before using it (0 when available now). */
  reserve(): number {
    const now = this.#now();
    this.#tokens = Math.min(this.#capacity, this.#tokens + (now - this.#at) * this.#perMs);
    this.#at = now;
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : Math.ceil(-this.#tokens / this.#perMs);
  }
}
