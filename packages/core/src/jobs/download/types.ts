import type { S3Client } from '@aws-sdk/client-s3';
import type { Dispatcher } from 'undici';
import type { RetryPolicyOptions, RetryReason } from '../../http/retry.js';
import type { TransferBudget } from '../../transfer/budget.js';
import type { WatchEvent } from '../status/events.js';
import type { TransferTuning } from './disk-transfer.js';

/** Which analysis statuses a run delivers. `all` is the official client's selection. */
export const DOWNLOAD_STATUS_FILTERS = ['succeeded', 'completed', 'failed', 'all'] as const;
export type DownloadStatusFilter = (typeof DOWNLOAD_STATUS_FILTERS)[number];

export interface S3DeliveryOptions {
  /** Bring your own client (credentials, region, endpoint). */
  client?: S3Client;
  /** S3-compatible endpoint (`--endpoint-url`); path-style addressing is used with it. */
  endpoint?: string;
  region?: string;
  /** Multipart part size for delivery (grown for objects over ~70 GiB). Default 8 MiB. */
  partSize?: number;
  /** Parts uploaded at once per object. Default 2. */
  queueSize?: number;
}

export interface SelectionOptions {
  /** Every visible sample of this project… */
  projectId?: string;
  /** …or these samples (exactly one of the two). */
  sampleIds?: readonly string[];
  /** Deliverable keys; a trailing `*` selects by prefix. All types when absent. */
  fileTypes?: readonly string[];
  /** Default `succeeded`. */
  status?: DownloadStatusFilter;
  /** Only samples whose `last_status.created` is at or after this time. */
  since?: Date;
  /**
   * A JSON state file: its high-water mark is the `since` of this run, and it is updated after
   * a run in which every selected file was delivered. Missing file = no lower bound.
   */
  sinceStateFile?: string;
  /** Skip archived samples with a warning (official behaviour) instead of failing. */
  skipArchived?: boolean;
  /** Request restores of archived samples, wait for them, then download. */
  restore?: boolean | { timeoutMs?: number; pollIntervalMs?: number };
  signal?: AbortSignal;
  onEvent?: (event: DownloadEvent) => void;
}

export interface DownloadOptions extends SelectionOptions {
  /**
   * A directory, `s3://bucket/prefix`, or a writable stream (exactly one file is then
   * selected and streamed; `-` on the command line).
   */
  destination: string | NodeJS.WritableStream;
  /** Spec §9.3 naming template. */
  template?: string;
  /** Skip deliverables already at their destination with the same size. Default true. */
  skipExisting?: boolean;
  /** With skip-existing: also compare the sha256 of existing files with the API's. */
  verifyExisting?: boolean;
  /** Compute sha256 while streaming and compare with the API's. Default true. */
  verify?: boolean;
  /** Write `<file>.sha256` sidecars (spec §11). */
  checksums?: boolean;
  /** Files transferred at once. Default 8. */
  maxConcurrentFiles?: number;
  /** Connections and buffer memory shared by every transfer of the run. */
  budget?: TransferBudget;
  /** Requests in flight at once when no `budget` is given (with 64 MiB of buffers). Default 16. */
  maxConnections?: number;
  tuning?: Partial<TransferTuning>;
  s3?: S3DeliveryOptions;
  /** Dispatcher for the presigned-URL GETs (default: a keep-alive agent of the job). */
  dispatcher?: Dispatcher;
  /** Retry policy for transfers (default: up to 8 attempts / 300 s without progress). */
  retry?: Partial<RetryPolicyOptions>;
  /** Headers / body-idle timeout of a transfer request. Default 60 s. */
  timeoutMs?: number;
}

export type FileOutcomeKind = 'downloaded' | 'skipped' | 'failed';

export interface FileOutcome {
  sampleId: string;
  clientId: string;
  /** Absent for the generated `qc` / `metadata` files. */
  fileId?: string;
  fileType: string;
  /** Local path, `s3://bucket/key` or `-`. */
  target: string;
  outcome: FileOutcomeKind;
  /** Size of the deliverable. */
  bytes: number;
  /** Bytes fetched over the network for it in this run (resumed prefixes excluded). */
  fetchedBytes: number;
  /** Bytes an earlier run had left in `.part` and this one reused. */
  resumedBytes: number;
  sha256?: string;
  /** The sha256 was compared with the API's and matched. */
  verified: boolean;
  /** Why it was skipped: same size, same sha256, or an existing non-empty JSON file. */
  skipReason?: 'same-size' | 'same-sha256' | 'exists';
  /** Path / key of the `.sha256` sidecar, when written. */
  checksumFile?: string;
  error?: { code: string; message: string };
}

export type DownloadSampleOutcomeKind =
  | 'delivered'
  | 'failed'
  | 'skipped-status'
  | 'skipped-since'
  | 'skipped-archived';

export interface DownloadSampleOutcome {
  id: string;
  clientId: string;
  status: string | null;
  statusCreated: string | null;
  outcome: DownloadSampleOutcomeKind;
  files: number;
}

export interface DownloadResult {
  /** Directory, `s3://…` or `-`. */
  destination: string;
  samples: DownloadSampleOutcome[];
  files: FileOutcome[];
  totals: {
    samples: number;
    files: number;
    downloaded: number;
    skipped: number;
    failed: number;
    /** Bytes fetched over the network. */
    fetchedBytes: number;
    /** Size of every file now at the destination for this selection. */
    deliveredBytes: number;
  };
  /**
   * Newest `last_status.created` among the delivered samples, held back to the oldest sample
   * skipped as archived or failed (so a later run still fetches it): safe as the next run's
   * `since`. The state file records it after a run without failures.
   */
  highWaterMark?: string;
  warnings: string[];
  elapsedMs: number;
}

// events ----------------------------------------------------------------------

export interface DownloadWarningEvent {
  type: 'warning';
  code:
    | 'no-deliverables'
    | 'status-filtered'
    | 'archived-skipped'
    | 'file-types-unavailable'
    | 'checksum-unavailable'
    | 'target-locked'
    | 'no-files';
  message: string;
  sampleId?: string;
}

export type DownloadEvent =
  | {
      type: 'plan';
      /** Samples to deliver, and their files (incl. qc / metadata) and known bytes. */
      samples: number;
      files: number;
      bytes: number;
      archived: number;
      /** Samples left out (status, since, archived-skipped). */
      skipped: number;
    }
  | DownloadWarningEvent
  | { type: 'restore-requested'; projectId: string; sampleIds: string[] }
  | { type: 'restore-wait'; event: WatchEvent }
  | { type: 'restore-done'; sampleIds: string[] }
  | { type: 'sample-start'; sampleId: string; clientId: string; files: number }
  | { type: 'sample-done'; sampleId: string; clientId: string; outcome: DownloadSampleOutcomeKind }
  | {
      type: 'file-start';
      sampleId: string;
      fileType: string;
      target: string;
      bytes: number | null;
      resumedBytes: number;
    }
  | {
      type: 'file-progress';
      sampleId: string;
      fileType: string;
      target: string;
      /** Bytes of the file at the destination so far. */
      doneBytes: number;
      bytes: number | null;
    }
  | ({ type: 'file-done' } & FileOutcome)
  | {
      type: 'file-retry';
      sampleId: string;
      fileType: string;
      target: string;
      attempt: number;
      delayMs: number;
      reason: RetryReason;
      status?: number;
      offset: number;
    }
  | { type: 'url-refresh'; sampleId: string }
  | {
      type: 'checksum-mismatch';
      sampleId: string;
      fileType: string;
      target: string;
      expected: string;
      actual: string;
      /** The attempt that produced the bad bytes; a second one is made once. */
      attempt: number;
    }
  | { type: 'done'; result: DownloadResult };
