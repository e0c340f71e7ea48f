export type {
  MissingReason,
  PollErrorEvent,
  PollEvent,
  PollMode,
  SampleChangeEvent,
  SampleMissingEvent,
  SampleStatusEvent,
  WatchEndEvent,
  WatchEvent,
} from './events.js';
export { listSamples } from './list.js';
export {
  DEFAULT_FULL_SWEEP_INTERVAL_MS,
  DEFAULT_MODIFIED_OVERLAP_MS,
  DEFAULT_PER_SAMPLE_MAX,
  type PollOptions,
  type PollResult,
  pollSamples,
  type StatusApi,
} from './poll.js';
export { DEFAULT_POLL_SCHEDULE } from './schedule.js';
export {
  type NormalizedSelector,
  normalizeSelector,
  type SampleSelector,
  selectorFromAssignmentOutput,
} from './selector.js';
export {
  isWaitSettled,
  type SampleView,
  type TrackedSample,
  type Until,
  type WatchMode,
  type WatchState,
} from './state.js';
export { DEFAULT_REQUEST_BUDGET } from './token-bucket.js';
export {
  type AnalysisPhase,
  analysisPhase,
  isArchivedStatus,
  isAvailableArchiveStatus,
  isKnownAnalysisStatus,
  isTerminalAnalysisStatus,
  KNOWN_ANALYSIS_STATUSES,
  KNOWN_ARCHIVE_STATUSES,
} from './vocabulary.js';
export {
  type SampleOutcome,
  summarizeWait,
  type WaitOptions,
  type WaitOutcome,
  type WaitResult,
  type WaitSample,
  waitForSamples,
} from './wait.js';
export { type SampleWatch, type WatchOptions, watchSamples } from './watch.js';
