/**
 * The serialisable memory of a watch: what was last seen of every selected sample, so that
 * only changes become events. A poller that runs in separate processes (the n8n polling
 * trigger) stores this object between runs and passes it back.
 */
import { InvalidArgumentError } from '../../errors.js';
import type { MissingReason, SampleChangeEvent } from './events.js';
import type { ScheduleState } from './schedule.js';
import type { NormalizedSelector } from './selector.js';
import { isArchivedStatus, isKnownAnalysisStatus, isTerminalAnalysisStatus } from './vocabulary.js';

export interface TrackedSample {
  id: string;
  clientId: string | null;
  /** Analysis status (`last_status.status`); null until seen. */
  status: string | null;
  note: string | null;
  /** `archive_last_status.status`; null when the server sent none. */
  archiveStatus: string | null;
  createdMs: number | null;
  modifiedMs: number | null;
  seen: boolean;
  missing: MissingReason | null;
}

export type WatchMode = 'listing' | 'per-sample';

export interface WatchState {
  version: 1;
  projectId: string;
  sampleIds: string[] | null;
  clientIds: string[] | null;
  mode: WatchMode;
  /** Selected samples by id. */
  samples: Record<string, TrackedSample>;
  /** clientIds selection: the sample followed for each client id; null when none exists. */
  clientIdSamples: Record<string, string | null>;
  /** Latest `modified` (server time, ms) seen in a listing. */
  watermarkMs: number | null;
  /** `now()` of the last listing that went through every page. */
  lastFullSweepAt: number | null;
  polls: number;
  requests: number;
  schedule: ScheduleState | null;
}

/** What a predicate (`until`) and a result see of a sample. */
export interface SampleView {
  id: string;
  clientId: string | null;
  status: string | null;
  archiveStatus: string | null;
  note: string | null;
}

/** One reading of a sample from a listing item or a sample GET. */
export interface Observation extends SampleView {
  createdMs: number | null;
  modifiedMs: number | null;
  hidden: boolean;
  /** Only known from `GET samples/{id}`. */
  projectId?: string | null;
}

export function createWatchState(selector: NormalizedSelector, mode: WatchMode): WatchState {
  const samples: Record<string, TrackedSample> = {};
  for (const id of selector.sampleIds ?? []) samples[id] = blank(id, null);
  return {
    version: 1,
    projectId: selector.projectId,
    sampleIds: selector.sampleIds,
    clientIds: selector.clientIds,
    mode,
    samples,
    clientIdSamples: {},
    watermarkMs: null,
    lastFullSweepAt: null,
    polls: 0,
    requests: 0,
    schedule: null,
  };
}

/** Rejects a stored state that belongs to another selector (or another format version). */
export function assertStateMatches(state: WatchState, selector: NormalizedSelector): void {
  const same = (a: string[] | null, b: string[] | null): boolean =>
    JSON.stringify(a ? [...a].sort() : null) === JSON.stringify(b ? [...b].sort() : null);
  if (
    state?.version !== 1 ||
    state.projectId !== selector.projectId ||
    !same(state.sampleIds, selector.sampleIds) ||
    !same(state.clientIds, selector.clientIds)
  ) {
    throw new InvalidArgumentError(
      'state',
      'the watch state was saved for another project or sample selection; start without it',
    );
  }
}

function blank(id: string, clientId: string | null): TrackedSample {
  return {
    id,
    clientId,
    status: null,
    note: null,
    archiveStatus: null,
    createdMs: null,
    modifiedMs: null,
    seen: false,
    missing: null,
  };
}

export const viewOf = (t: TrackedSample): SampleView => ({
  id: t.id,
  clientId: t.clientId,
  status: t.status,
  archiveStatus: t.archiveStatus,
  note: t.note,
});

/** Default `until` of a wait: a final analysis status, or archived (it will not progress). */
export function isWaitSettled(sample: SampleView): boolean {
  return isTerminalAnalysisStatus(sample.status) || isArchivedStatus(sample.archiveStatus);
}

export type Until = (sample: SampleView) => boolean;

/** Missing samples are settled; unseen ones are not; otherwise `until` decides. */
export function isSettled(t: TrackedSample, until: Until | undefined): boolean {
  if (t.missing) return true;
  if (!t.seen || !until) return false;
  return until(viewOf(t));
}

/**
 * Records what is known of the selected samples and collects the change events.
 * `quiet` suppresses the events of first observations (a poller's baseline).
 */
export class Tracker {
  readonly events: SampleChangeEvent[] = [];

  constructor(
    readonly state: WatchState,
    private readonly at: string,
    private readonly quiet: boolean,
  ) {}

  /** Applies a reading of a sample; samples outside the selection are ignored. */
  observe(obs: Observation): void {
    const tracked = this.#select(obs);
    if (!tracked) return;
    const first = !tracked.seen;
    const previous = { status: tracked.status, archiveStatus: tracked.archiveStatus };
    tracked.seen = true;
    tracked.clientId = obs.clientId ?? tracked.clientId;
    tracked.status = obs.status;
    tracked.note = obs.note;
    tracked.archiveStatus = obs.archiveStatus;
    tracked.createdMs = obs.createdMs ?? tracked.createdMs;
    tracked.modifiedMs = obs.modifiedMs ?? tracked.modifiedMs;
    const inOtherProject =
      obs.projectId !== undefined &&
      obs.projectId !== null &&
      obs.projectId !== this.state.projectId;
    const missing: MissingReason | null = inOtherProject
      ? 'not-in-project'
      : obs.hidden
        ? 'hidden'
        : null;
    if (missing) {
      this.markMissing(tracked, missing);
      return;
    }
    tracked.missing = null;
    if (first && this.quiet) return;
    if (!first && previous.status === obs.status && previous.archiveStatus === obs.archiveStatus) {
      return;
    }
    this.events.push({
      type: 'status',
      sampleId: tracked.id,
      clientId: tracked.clientId,
      status: obs.status,
      previousStatus: previous.status,
      archiveStatus: obs.archiveStatus,
      previousArchiveStatus: previous.archiveStatus,
      ...(obs.note ? { note: obs.note } : {}),
      ...(obs.status !== null && !isKnownAnalysisStatus(obs.status) ? { unknownStatus: true } : {}),
      at: this.at,
    });
  }

  markMissing(tracked: TrackedSample, reason: MissingReason): void {
    if (tracked.missing === reason) return;
    tracked.missing = reason;
    this.events.push({
      type: 'missing',
      sampleId: tracked.id,
      clientId: tracked.clientId,
      reason,
      at: this.at,
    });
  }

  /** clientIds selection: no sample carries this client id. */
  markClientIdMissing(clientId: string): void {
    const { clientIdSamples } = this.state;
    if (clientIdSamples[clientId] === null) return;
    clientIdSamples[clientId] = null;
    this.events.push({
      type: 'missing',
      sampleId: null,
      clientId,
      reason: 'not-found',
      at: this.at,
    });
  }

  #select(obs: Observation): TrackedSample | undefined {
    const { state } = this;
    if (state.sampleIds) return state.samples[obs.id];
    if (state.clientIds) return this.#selectByClientId(obs);
    const tracked = state.samples[obs.id];
    if (tracked) return tracked;
    if (obs.hidden) return undefined; // a whole-project watch follows visible samples only
    state.samples[obs.id] = blank(obs.id, obs.clientId);
    return state.samples[obs.id];
  }

  /** Per client id, follow the most recently created sample (a re-run replaces the old one). */
  #selectByClientId(obs: Observation): TrackedSample | undefined {
    const { state } = this;
    const clientId = obs.clientId ?? '';
    if (!state.clientIds?.includes(clientId)) return undefined;
    const currentId = state.clientIdSamples[clientId];
    const current = currentId ? state.samples[currentId] : undefined;
    if (current?.id === obs.id) return current;
    if (obs.hidden) return undefined;
    if (current && (obs.createdMs ?? 0) <= (current.createdMs ?? 0)) return undefined;
    if (current) delete state.samples[current.id];
    state.clientIdSamples[clientId] = obs.id;
    state.samples[obs.id] = blank(obs.id, clientId);
    return state.samples[obs.id];
  }
}
