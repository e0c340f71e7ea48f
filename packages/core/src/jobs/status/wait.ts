/**
 * `waitForSamples`: watch until every selected sample is settled (by default: a final
 * analysis status, or archived) or the timeout passes, then summarise.
 *
 * Outcome precedence — the most severe thing that is already certain wins:
 *   failed > unavailable > timeout > failed-qc > succeeded
 * A failed sample fails the batch whatever the pending ones do, so `failed` is reported even
 * on timeout; `unavailable` (not found, hidden, in another project, or archived when waiting
 * for analysis) needs a person as well; `timeout` only when nothing certain is wrong yet;
 * `failed-qc` means every sample finished with deliverables, some below QC thresholds.
 */
import type { WatchEndEvent, WatchEvent } from './events.js';
import type { StatusApi } from './poll.js';
import type { SampleSelector } from './selector.js';
import {
  isSettled,
  isWaitSettled,
  type TrackedSample,
  type Until,
  type WatchState,
} from './state.js';
import { analysisPhase, isArchivedStatus } from './vocabulary.js';
import { type WatchOptions, watchSamples } from './watch.js';

export type WaitOutcome = 'succeeded' | 'failed-qc' | 'failed' | 'timeout' | 'unavailable';
export type SampleOutcome = 'succeeded' | 'failed-qc' | 'failed' | 'unavailable' | 'pending';

export interface WaitSample {
  /** null for a client id with no sample in the project. */
  id: string | null;
  clientId: string | null;
  status: string | null;
  archiveStatus: string | null;
  outcome: SampleOutcome;
  /** Why a sample failed or is unavailable (server note or our explanation). */
  note?: string;
}

export interface WaitResult {
  outcome: WaitOutcome;
  samples: WaitSample[];
  counts: Record<SampleOutcome, number>;
  elapsedMs: number;
  /** API calls made (pages + sample GETs, the client's own retries not included). */
  requests: number;
  /** Final watch state; pass it as `state` to continue where this wait stopped. */
  state: WatchState | undefined;
}

export interface WaitOptions extends Omit<WatchOptions, 'until'> {
  /**
   * When a sample counts as done. Default: final analysis status (succeeded, failed qc,
   * failed) or archived. A custom predicate (e.g. archive status restored) replaces it, and
   * archived samples are then not reported as unavailable.
   */
  until?: Until;
  /** Every watch event, as it happens (progress rendering, logs). */
  onEvent?: (event: WatchEvent) => void;
}

const SEVERITY: readonly WaitOutcome[] = [
  'failed',
  'unavailable',
  'timeout',
  'failed-qc',
  'succeeded',
];

export async function waitForSamples(
  client: StatusApi,
  selector: SampleSelector,
  options: WaitOptions = {},
): Promise<WaitResult> {
  const { onEvent, ...watchOptions } = options;
  const until = options.until ?? isWaitSettled;
  const watch = watchSamples(client, selector, { ...watchOptions, until });
  let end: WatchEndEvent | undefined;
  for await (const event of watch) {
    if (event.type === 'end') end = event;
    onEvent?.(event);
  }
  return summarizeWait(watch.state, until, options.until === undefined, {
    elapsedMs: end?.elapsedMs ?? 0,
    requests: end?.totalRequests ?? 0,
    timedOut: end?.reason === 'timeout',
  });
}

/** Builds the result of a wait from a watch state (exported for front ends that run the watch). */
export function summarizeWait(
  state: WatchState | undefined,
  until: Until,
  archivedIsUnavailable: boolean,
  totals: { elapsedMs: number; requests: number; timedOut: boolean },
): WaitResult {
  const { timedOut, ...counted } = totals;
  const samples = orderedSamples(state).map((t) => waitSample(t, until, archivedIsUnavailable));
  for (const [clientId, sampleId] of Object.entries(state?.clientIdSamples ?? {})) {
    if (sampleId !== null) continue;
    samples.push({
      id: null,
      clientId,
      status: null,
      archiveStatus: null,
      outcome: 'unavailable',
      note: 'no sample with this client id in the project',
    });
  }
  const counts: Record<SampleOutcome, number> = {
    succeeded: 0,
    'failed-qc': 0,
    failed: 0,
    unavailable: 0,
    pending: 0,
  };
  for (const s of samples) counts[s.outcome]++;
  const present = new Set<WaitOutcome>(
    samples.map((s) => (s.outcome === 'pending' ? 'timeout' : s.outcome)),
  );
  // No successful poll before the deadline: nothing is known, which is not success.
  if (timedOut || !state) present.add('timeout');
  const outcome = SEVERITY.find((o) => present.has(o)) ?? 'succeeded';
  return { outcome, samples, counts, ...counted, state };
}

function orderedSamples(state: WatchState | undefined): TrackedSample[] {
  if (!state) return [];
  const all = Object.values(state.samples);
  if (state.sampleIds) return state.sampleIds.map((id) => state.samples[id]!).filter(Boolean);
  return all.sort(
    (a, b) => (a.clientId ?? '').localeCompare(b.clientId ?? '') || a.id.localeCompare(b.id),
  );
}

const MISSING_NOTES = {
  'not-found': 'sample not found',
  hidden: 'sample is hidden',
  'not-in-project': 'sample belongs to another project',
} as const;

function waitSample(t: TrackedSample, until: Until, archivedIsUnavailable: boolean): WaitSample {
  const base = { id: t.id, clientId: t.clientId, status: t.status, archiveStatus: t.archiveStatus };
  const note = t.note ? { note: t.note } : {};
  if (t.missing) return { ...base, outcome: 'unavailable', note: MISSING_NOTES[t.missing] };
  if (!isSettled(t, until)) return { ...base, outcome: 'pending', ...note };
  const phase = analysisPhase(t.status);
  if (phase !== 'failed' && archivedIsUnavailable && isArchivedStatus(t.archiveStatus)) {
    return { ...base, outcome: 'unavailable', note: `sample is ${t.archiveStatus}` };
  }
  return { ...base, outcome: phase === 'in-progress' ? 'succeeded' : phase, ...note };
}
