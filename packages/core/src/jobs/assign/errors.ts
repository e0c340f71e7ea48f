import type { AssignedSample } from './types.js';

export type AssignmentFailure = 'not-in-sheet' | 'request-failed';

/**
 * The uploads exist but could not (all) be assigned. `code` is the cause's code when nothing
 * was assigned (so a missing project still reads as "not found"), otherwise
 * `ERR_GENCOVE_ASSIGN_PARTIAL` / `ERR_GENCOVE_ASSIGN_WAIT`.
 */
export class AssignmentError extends Error {
  readonly code: string;
  readonly reason: AssignmentFailure;
  /** Samples created before the failure (earlier batches). */
  readonly assigned: AssignedSample[];
  /** Upload IDs that never appeared in the unassigned sample sheet. */
  readonly missingUploads: string[];
  readonly status?: number;

  constructor(
    message: string,
    options: {
      reason: AssignmentFailure;
      code: string;
      assigned?: AssignedSample[];
      missingUploads?: string[];
      cause?: unknown;
      status?: number;
    },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AssignmentError';
    this.code = options.code;
    this.reason = options.reason;
    this.assigned = options.assigned ?? [];
    this.missingUploads = options.missingUploads ?? [];
    if (options.status !== undefined) this.status = options.status;
  }
}
