/**
 * The polling engine behind `gencove wait`, the wait action and the n8n trigger: polls the
 * selected samples on an adaptive schedule, under a request budget, and yields deduplicated
 * change events. A poll that still fails after the client's own retries does not end the
 * watch: it becomes a `poll-error` event and the watch backs off and tries again until its
 * deadline. Only errors no retry can fix (authentication, unknown project, bad arguments)
 * end the watch by throwing.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { AbortError, GencoveError, MaintenanceError, retryAfterOf } from '../../errors.js';
import type { PollEvent, SampleChangeEvent, WatchEvent } from './events.js';
import { type PollOptions, pollSamples, type StatusApi } from './poll.js';
import { DEFAULT_POLL_SCHEDULE, PollSchedule } from './schedule.js';
import { normalizeSelector, type SampleSelector } from './selector.js';
import { isSettled, type Until, type WatchState } from './state.js';
import { DEFAULT_REQUEST_BUDGET, TokenBucket } from './token-bucket.js';
import { isArchivedStatus } from './vocabulary.js';

export interface WatchOptions
  extends Omit<PollOptions, 'state' | 'beforeRequest' | 'now' | 'signal'> {
  /** Resume from a stored state (dedupe continues across runs). */
  state?: WatchState;
  /** End with reason `settled` once `until` holds for every selected sample. */
  until?: Until;
  /** End with reason `timeout` after this long (a last poll runs at the deadline). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Quickest poll interval and floor of every delay. Default 5 s. */
  minIntervalMs?: number;
  /** Slowest poll interval. Default 5 min. */
  maxIntervalMs?: number;
  /** Interval growth per poll without changes. Default 1.5. */
  backoffFactor?: number;
  /** Sustained request budget. Default 6 per minute. */
  maxRequestsPerMinute?: number;
  /** Burst size of the request budget. Default 60. */
  requestBurst?: number;
  /** Injectable for tests: must reject when `signal` aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Injectable for tests: wall-clock milliseconds. */
  now?: () => number;
  /** Injectable for tests: uniform in [0, 1). */
  random?: () => number;
}

/** An async iterable of watch events whose `state` can be stored to resume later. */
export interface SampleWatch extends AsyncIterable<WatchEvent> {
  /** Snapshot of the state after the last successful poll. */
  readonly state: WatchState | undefined;
}

export function watchSamples(
  client: StatusApi,
  selector: SampleSelector,
  options: WatchOptions = {},
): SampleWatch {
  normalizeSelector(selector); // fail fast on a bad selector, before iteration starts
  let state = options.state;
  return {
    get state() {
      return state ? structuredClone(state) : undefined;
    },
    [Symbol.asyncIterator]: () =>
      run(client, selector, options, (s) => {
        state = s;
      }),
  };
}

/** Internal: the request budget would only allow the next request after the deadline. */
class DeadlineReached extends Error {}

async function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, signal ? { signal } : undefined);
  } catch (error) {
    if (signal?.aborted) throw new AbortError('The watch was aborted');
    throw error;
  }
}

/** Failures a later poll may not repeat: rate limits, 5xx, maintenance, transport, bad bodies. */
function isTransient(error: unknown): error is GencoveError {
  return (
    error instanceof GencoveError &&
    (error.retryable || error instanceof MaintenanceError || error.code === 'ERR_GENCOVE_RESPONSE')
  );
}

async function* run(
  client: StatusApi,
  selector: SampleSelector,
  options: WatchOptions,
  saveState: (state: WatchState) => void,
): AsyncGenerator<WatchEvent, void, undefined> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const { signal, until } = options;
  const schedule = new PollSchedule(
    {
      minIntervalMs: options.minIntervalMs ?? DEFAULT_POLL_SCHEDULE.minIntervalMs,
      maxIntervalMs: Math.max(
        options.maxIntervalMs ?? DEFAULT_POLL_SCHEDULE.maxIntervalMs,
        options.minIntervalMs ?? 0,
      ),
      factor: options.backoffFactor ?? DEFAULT_POLL_SCHEDULE.factor,
      random: options.random ?? Math.random,
    },
    options.state?.schedule ?? undefined,
  );
  const bucket = new TokenBucket({
    capacity: options.requestBurst ?? DEFAULT_REQUEST_BUDGET.capacity,
    perMinute: options.maxRequestsPerMinute ?? DEFAULT_REQUEST_BUDGET.perMinute,
    now,
  });
  const started = now();
  const deadline =
    options.timeoutMs === undefined ? Number.POSITIVE_INFINITY : started + options.timeoutMs;
  let calls = 0;
  const beforeRequest = async (s?: AbortSignal): Promise<void> => {
    const wait = bucket.reserve();
    // The budget never makes a watch outlive its deadline.
    if (wait > 0 && now() + wait > deadline) throw new DeadlineReached();
    if (wait > 0) await sleep(wait, s);
    calls++;
  };
  let state = options.state;
  const stamp = (): string => new Date(now()).toISOString();

  for (;;) {
    if (signal?.aborted) throw new AbortError('The watch was aborted');
    let delayMs: number;
    try {
      const result = await pollSamples(client, selector, {
        ...options,
        ...(state ? { state } : {}),
        now,
        beforeRequest,
      });
      state = result.state;
      yield* result.events;
      const settled = until !== undefined && allSettled(state, until);
      const timedOut = !settled && now() >= deadline;
      delayMs = schedule.afterPoll(result.events.length > 0);
      state.schedule = schedule.state;
      saveState(state);
      const last = settled || timedOut;
      const nextPollInMs = last ? null : Math.max(0, Math.min(delayMs, deadline - now()));
      yield pollEvent(state, result.mode, result.requests, result.events, until, {
        totalRequests: calls,
        nextPollInMs,
        elapsedMs: now() - started,
        at: stamp(),
      });
      if (last) {
        yield end(settled ? 'settled' : 'timeout', now() - started, calls, stamp());
        return;
      }
    } catch (error) {
      if (error instanceof DeadlineReached) {
        yield end('timeout', now() - started, calls, stamp());
        return;
      }
      if (!isTransient(error)) throw error;
      delayMs = schedule.afterFailure(retryAfterOf(error));
      const timedOut = now() >= deadline;
      yield {
        type: 'poll-error',
        code: error.code,
        message: error.message,
        ...(error.status !== undefined ? { status: error.status } : {}),
        consecutiveFailures: schedule.state.consecutiveFailures,
        retryInMs: timedOut ? null : Math.max(0, Math.min(delayMs, deadline - now())),
        at: stamp(),
      };
      if (timedOut) {
        yield end('timeout', now() - started, calls, stamp());
        return;
      }
    }
    await sleep(Math.max(0, Math.min(delayMs, deadline - now())), signal);
  }
}

function allSettled(state: WatchState, until: Until): boolean {
  return Object.values(state.samples).every((t) => isSettled(t, until));
}

function pollEvent(
  state: WatchState,
  mode: PollEvent['mode'],
  requests: number,
  events: SampleChangeEvent[],
  until: Until | undefined,
  timing: Pick<PollEvent, 'totalRequests' | 'nextPollInMs' | 'elapsedMs' | 'at'>,
): PollEvent {
  const counts: Record<string, number> = {};
  let archived = 0;
  let pending = 0;
  const tracked = Object.values(state.samples);
  for (const t of tracked) {
    const key = t.missing ?? t.status ?? 'unknown';
    counts[key] = (counts[key] ?? 0) + 1;
    if (!t.missing && isArchivedStatus(t.archiveStatus)) archived++;
    if (!isSettled(t, until)) pending++;
  }
  const missingClientIds = Object.values(state.clientIdSamples).filter((v) => v === null).length;
  if (missingClientIds > 0) counts['not-found'] = (counts['not-found'] ?? 0) + missingClientIds;
  return {
    type: 'poll',
    mode,
    requests,
    changes: events.length,
    counts,
    archived,
    total: tracked.length + missingClientIds,
    pending,
    ...timing,
  };
}

function end(
  reason: 'settled' | 'timeout',
  elapsedMs: number,
  totalRequests: number,
  at: string,
): WatchEvent {
  return { type: 'end', reason, elapsedMs, totalRequests, at };
}
