/**
 * When to poll next. The interval starts at `minIntervalMs`, grows by `factor` after every
 * poll that saw no change, up to `maxIntervalMs`, and drops back to `minIntervalMs` when
 * something changed. The actual delay is drawn with full jitter over the current interval,
 * never below the minimum: `max(min, random · interval)`. Failed polls back off
 * exponentially (`min · 2^n`, same jitter and cap) and wait at least the server's
 * `Retry-After`.
 */
export interface PollScheduleOptions {
  /** Quickest interval and the floor of every delay. Default 5 000 ms. */
  minIntervalMs: number;
  /** Longest interval. Default 300 000 ms (5 min). */
  maxIntervalMs: number;
  /** Growth per unchanged poll. Default 1.5. */
  factor: number;
  /** Uniform in [0, 1). */
  random: () => number;
}

export const DEFAULT_POLL_SCHEDULE = {
  minIntervalMs: 5_000,
  maxIntervalMs: 300_000,
  factor: 1.5,
} as const;

/** Serialisable part of the schedule, kept in the watch state. */
export interface ScheduleState {
  intervalMs: number;
  consecutiveFailures: number;
}

export class PollSchedule {
  readonly #o: PollScheduleOptions;
  #state: ScheduleState;

  constructor(options: PollScheduleOptions, state?: ScheduleState) {
    if (!(options.minIntervalMs > 0)) throw new RangeError('minIntervalMs must be > 0');
    if (!(options.maxIntervalMs >= options.minIntervalMs)) {
      throw new RangeError('maxIntervalMs must be ≥ minIntervalMs');
    }
    if (!(options.factor >= 1)) throw new RangeError('factor must be ≥ 1');
    this.#o = options;
    this.#state = state
      ? { ...state, intervalMs: this.#clamp(state.intervalMs) }
      : { intervalMs: options.minIntervalMs, consecutiveFailures: 0 };
  }

  get state(): ScheduleState {
    return { ...this.#state };
  }

  /** Delay after a successful poll. The first call after a change polls quickly again. */
  afterPoll(changed: boolean): number {
    const s = this.#state;
    s.consecutiveFailures = 0;
    s.intervalMs = changed ? this.#o.minIntervalMs : this.#clamp(s.intervalMs * this.#o.factor);
    return this.#jitter(s.intervalMs);
  }

  /** Delay after a failed poll; `retryAfterMs` is the server's `Retry-After`, if any. */
  afterFailure(retryAfterMs?: number): number {
    const s = this.#state;
    s.consecutiveFailures++;
    const window = this.#clamp(this.#o.minIntervalMs * 2 ** (s.consecutiveFailures - 1));
    return Math.max(retryAfterMs ?? 0, this.#jitter(window));
  }

  #clamp(ms: number): number {
    return Math.min(this.#o.maxIntervalMs, Math.max(this.#o.minIntervalMs, ms));
  }

  #jitter(intervalMs: number): number {
    return Math.max(this.#o.minIntervalMs, Math.floor(this.#o.random() * intervalMs));
  }
}
