/**
 * One poll of the selected samples — no sleeping, no scheduling. `watchSamples` calls it in a
 * loop; a poller that keeps its own schedule (the n8n trigger) calls it once per run with the
 * state it stored.
 *
 * Two ways to read statuses (README "Status polling strategy" has the arithmetic):
 * - per-sample: `GET samples/{id}` for each unsettled sample — for a few sample ids;
 * - listing: `GET project-samples/{project}` sorted by `modified` descending. A full sweep
 *   reads every page; an incremental poll stops at the first page that reaches samples
 *   modified before the watermark (latest `modified` seen) minus an overlap, so a poll of a
 *   project where fewer than 200 samples changed costs one request. Full sweeps repeat every
 *   `fullSweepIntervalMs` as a safety net (changes that did not bump `modified`, deletions).
 *   Selected samples absent from a full sweep are confirmed with `GET samples/{id}`.
 */
import type { CallOptions, GencoveClient } from '../../client.js';
import { NotFoundError } from '../../errors.js';
import type { SampleDetail, SampleListItem } from '../../models.js';
import { parseGencoveTimestamp } from '../../timestamps.js';
import type { PollMode, SampleChangeEvent } from './events.js';
import { type NormalizedSelector, normalizeSelector, type SampleSelector } from './selector.js';
import {
  assertStateMatches,
  createWatchState,
  isSettled,
  type Observation,
  Tracker,
  type Until,
  type WatchState,
} from './state.js';

/** What the status job needs from the API client; a `GencoveClient` satisfies it. */
export type StatusApi = Pick<GencoveClient, 'listProjectSamples' | 'getSample'>;

export interface PollOptions {
  /** State returned by the previous poll; omit for the first one. */
  state?: WatchState;
  /** Samples for which this returns true are settled: no longer fetched one by one. */
  until?: Until;
  /** Emit events for the first observation of each sample. Default true. */
  emitInitial?: boolean;
  signal?: AbortSignal;
  /** Wall-clock milliseconds. Default `Date.now`. */
  now?: () => number;
  /** Sample-id selections up to this size are polled per sample. Default 3. */
  perSampleMax?: number;
  /** Time between full sweeps of a listing watch. Default 30 min. */
  fullSweepIntervalMs?: number;
  /** Tolerance for `modified` values committed out of order. Default 60 s. */
  modifiedOverlapMs?: number;
  /** Awaited before every API call (rate limiting). */
  beforeRequest?: (signal?: AbortSignal) => Promise<void>;
}

export const DEFAULT_PER_SAMPLE_MAX = 3;
export const DEFAULT_FULL_SWEEP_INTERVAL_MS = 30 * 60_000;
export const DEFAULT_MODIFIED_OVERLAP_MS = 60_000;

export interface PollResult {
  /** Status and missing events, in observation order. */
  events: SampleChangeEvent[];
  /** The new state (the input state is not modified). */
  state: WatchState;
  mode: PollMode;
  /** API calls made by this poll. */
  requests: number;
}

/** Listing parameters of a watch: every status, hidden ones too, most recently modified first. */
const WATCH_LISTING = {
  status: 'all',
  archiveStatus: 'all',
  hiddenStatus: 'all',
  sortBy: 'modified',
  sortOrder: 'desc',
} as const;

export async function pollSamples(
  client: StatusApi,
  selector: SampleSelector,
  options: PollOptions = {},
): Promise<PollResult> {
  const sel = normalizeSelector(selector);
  const perSampleMax = options.perSampleMax ?? DEFAULT_PER_SAMPLE_MAX;
  let state: WatchState;
  if (options.state) {
    assertStateMatches(options.state, sel);
    state = structuredClone(options.state);
  } else {
    const perSample = sel.sampleIds !== null && sel.sampleIds.length <= perSampleMax;
    state = createWatchState(sel, perSample ? 'per-sample' : 'listing');
  }
  const now = options.now ?? Date.now;
  const tracker = new Tracker(
    state,
    new Date(now()).toISOString(),
    options.emitInitial === false && state.polls === 0,
  );
  const poll = new Poll(client, sel, tracker, options);
  let mode: PollMode;
  if (state.mode === 'per-sample') {
    mode = 'per-sample';
    const due = Object.values(state.samples).filter((t) => !isSettled(t, options.until));
    for (const t of due) await poll.fetchOne(t.id);
  } else {
    const sweepDue =
      state.lastFullSweepAt === null ||
      state.watermarkMs === null ||
      now() - state.lastFullSweepAt >=
        (options.fullSweepIntervalMs ?? DEFAULT_FULL_SWEEP_INTERVAL_MS);
    const complete = await poll.list(sweepDue);
    mode = sweepDue ? 'full' : 'incremental';
    if (complete) {
      state.lastFullSweepAt = now();
      await poll.confirmAbsent();
    }
  }
  state.polls++;
  state.requests += poll.requests;
  return { events: tracker.events, state, mode, requests: poll.requests };
}

class Poll {
  requests = 0;
  readonly #listed = new Set<string>();

  constructor(
    private readonly client: StatusApi,
    private readonly selector: NormalizedSelector,
    private readonly tracker: Tracker,
    private readonly options: PollOptions,
  ) {}

  async #call<T>(request: (o: CallOptions) => Promise<T>): Promise<T> {
    const { signal } = this.options;
    await this.options.beforeRequest?.(signal);
    this.requests++;
    return request(signal ? { signal } : {});
  }

  /** `GET samples/{id}`; a 404 marks the sample missing. */
  async fetchOne(id: string): Promise<void> {
    try {
      const detail = await this.#call((o) => this.client.getSample(id, o));
      this.tracker.observe(fromDetail(detail));
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      const tracked = this.tracker.state.samples[id];
      if (tracked) this.tracker.markMissing(tracked, 'not-found');
    }
  }

  /** Reads the listing; returns true when every page was read (a complete sweep). */
  async list(full: boolean): Promise<boolean> {
    const { state } = this.tracker;
    const overlap = this.options.modifiedOverlapMs ?? DEFAULT_MODIFIED_OVERLAP_MS;
    const stopBelow = full || state.watermarkMs === null ? null : state.watermarkMs - overlap;
    const listing = this.client.listProjectSamples(this.selector.projectId, {
      ...WATCH_LISTING,
      ...(this.options.signal ? { signal: this.options.signal } : {}),
    });
    const pages = listing.pages();
    try {
      for (;;) {
        const next = await this.#call(() => pages.next());
        if (next.done) return true;
        let oldest = Number.POSITIVE_INFINITY;
        for (const item of next.value.items) {
          const obs = fromListItem(item);
          this.#listed.add(obs.id);
          this.tracker.observe(obs);
          if (obs.modifiedMs !== null) {
            state.watermarkMs = Math.max(state.watermarkMs ?? obs.modifiedMs, obs.modifiedMs);
          }
          oldest = Math.min(oldest, obs.modifiedMs ?? Number.NEGATIVE_INFINITY);
        }
        if (next.value.nextOffset === undefined) return true;
        if (stopBelow !== null && oldest < stopBelow) return false;
      }
    } finally {
      await pages.return(undefined);
    }
  }

  /** After a complete sweep: selected samples the listing did not show are checked one by one. */
  async confirmAbsent(): Promise<void> {
    const { state } = this.tracker;
    for (const clientId of state.clientIds ?? []) {
      if (!state.clientIdSamples[clientId]) this.tracker.markClientIdMissing(clientId);
    }
    const absent = Object.values(state.samples).filter(
      (t) => !t.missing && !this.#listed.has(t.id),
    );
    for (const t of absent) await this.fetchOne(t.id);
  }
}

function timeMs(value: string | null | undefined): number | null {
  if (!value) return null;
  try {
    return parseGencoveTimestamp(value).getTime();
  } catch {
    return null;
  }
}

function fromListItem(item: SampleListItem): Observation {
  return {
    id: item.id,
    clientId: item.client_id ?? null,
    status: item.last_status?.status ?? null,
    note: item.last_status?.note || null,
    archiveStatus: item.archive_last_status?.status ?? null,
    createdMs: timeMs(item.created),
    modifiedMs: timeMs(item.modified),
    hidden: item.hidden === true,
  };
}

function fromDetail(detail: SampleDetail): Observation {
  return { ...fromListItem(detail), projectId: detail.project ?? null };
}
