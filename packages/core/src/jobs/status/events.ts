/** Typed events of the status watch. Every event is plain JSON (NDJSON-ready). */

/** Why a selected sample cannot be followed. */
export type MissingReason = 'not-found' | 'hidden' | 'not-in-project';

/** A sample's analysis or archive status changed (or was seen for the first time). */
export interface SampleStatusEvent {
  type: 'status';
  sampleId: string;
  clientId: string | null;
  status: string | null;
  /** null on the first observation. */
  previousStatus: string | null;
  archiveStatus: string | null;
  previousArchiveStatus: string | null;
  /** `last_status.note`, when not empty (e.g. why an analysis failed). */
  note?: string;
  /** The server sent an analysis status this package does not know; treated as in progress. */
  unknownStatus?: true;
  /** ISO 8601 time of the observation. */
  at: string;
}

/** A selected sample (or client id) does not exist, is hidden, or belongs to another project. */
export interface SampleMissingEvent {
  type: 'missing';
  sampleId: string | null;
  clientId: string | null;
  reason: MissingReason;
  at: string;
}

export type PollMode = 'full' | 'incremental' | 'per-sample';

/** One poll finished. `nextPollInMs` is null when the watch ends after this poll. */
export interface PollEvent {
  type: 'poll';
  mode: PollMode;
  /** API calls of this poll (pages + sample GETs; the client's own retries not included). */
  requests: number;
  totalRequests: number;
  /** Status and missing events this poll produced. */
  changes: number;
  /** Selected samples per analysis status; missing ones under their reason. */
  counts: Record<string, number>;
  /** Selected samples whose archive status is archived or restore_requested. */
  archived: number;
  total: number;
  /** Selected samples not yet settled (every sample when no `until` predicate is given). */
  pending: number;
  nextPollInMs: number | null;
  elapsedMs: number;
  at: string;
}

/** A poll failed after the client's own retries; the watch backs off and goes on. */
export interface PollErrorEvent {
  type: 'poll-error';
  code: string;
  message: string;
  status?: number;
  consecutiveFailures: number;
  /** null when the watch ends (deadline reached) instead of retrying. */
  retryInMs: number | null;
  at: string;
}

/** Last event of a watch that ends by itself. */
export interface WatchEndEvent {
  type: 'end';
  reason: 'settled' | 'timeout';
  elapsedMs: number;
  totalRequests: number;
  at: string;
}

export type SampleChangeEvent = SampleStatusEvent | SampleMissingEvent;
export type WatchEvent = SampleChangeEvent | PollEvent | PollErrorEvent | WatchEndEvent;
