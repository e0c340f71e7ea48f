import type { AssignEvent } from '../assign/types.js';
import type { S3RetryReason } from './s3-retry.js';

/** Identifies a file of the plan: its index in `plan.uploads`. */
interface FileRef {
  file: number;
  label: string;
  destinationPath: string;
}

export type UploadEvent =
  | { type: 'upload-plan'; files: number; bytes: number; samples: number; destination: string }
  | { type: 'credentials'; expiresAt: string; refreshed: boolean }
  /** Every upload slot is reserved; transfers start. `skipped` files are already on the server. */
  | { type: 'reserved'; files: number; skipped: number; bytes: number }
  | (FileRef & { type: 'file-skipped'; uploadId: string; size: number; reason: 'already-uploaded' })
  | (FileRef & {
      type: 'file-start';
      uploadId: string;
      size: number;
      /** Bytes of parts a previous run finished, which are not sent again. */
      resumedBytes: number;
      parts: number;
    })
  /** Bytes put on the wire (negative when a failed part attempt is rolled back before a retry). */
  | (FileRef & { type: 'file-progress'; bytes: number })
  | (FileRef & {
      type: 'file-done';
      uploadId: string;
      size: number;
      bytesSent: number;
      resumedBytes: number;
    })
  | (FileRef & {
      type: 'file-retry';
      operation: string;
      attempt: number;
      delayMs: number;
      reason: S3RetryReason;
      error: string;
    })
  /** A resume journal was dropped: the local file changed, or S3 no longer knows the upload. */
  | (FileRef & {
      type: 'resume-discarded';
      reason: 'source-changed' | 'upload-gone' | 'layout-changed';
    })
  | AssignEvent;
