import { isAbsolute, relative, sep } from 'node:path';
import type { AssignEvent, AssignedSample } from '@gencove/core';
import { AssignmentError, MapFileError } from '@gencove/core';
import type { ActionIo } from './action-io.js';
import { MAX_ANNOTATIONS } from './annotations.js';
import { StepFailure } from './runtime.js';
import type { SummaryBuilder } from './summary.js';

/** One upload as the `uploads` output lists it (snake_case, like the API's documents). */
export interface UploadRecord {
  client_id: string;
  read?: string;
  destination_path: string;
  upload_id: string;
  /** `uploaded`, `already-uploaded`, `registered` (URL import). */
  status: string;
  /** Local file(s) or the URL without its query string. */
  source: string;
  size?: number;
}

/** `uploads`, `upload-ids`, `destination`, and when assigned `samples` / `sample-ids`. */
export function setRegistrationOutputs(
  io: ActionIo,
  destination: string,
  uploads: UploadRecord[],
  samples: AssignedSample[] | undefined,
): void {
  io.setOutput('destination', destination);
  io.setOutput('uploads', uploads);
  io.setOutput('upload-ids', uploads.map((u) => u.upload_id).join(','));
  if (samples) {
    io.setOutput('samples', samples);
    io.setOutput('sample-ids', samples.map((s) => s.sample).join(','));
  }
}

export function samplesTable(summary: SummaryBuilder, samples: AssignedSample[] | undefined): void {
  if (!samples || samples.length === 0) return;
  summary.table(
    ['Client ID', 'Sample', 'R1 upload', 'R2 upload'],
    samples.map((s) => [
      s.client_id,
      { code: s.sample },
      s.fastq.r1 ? { code: s.fastq.r1.upload } : '',
      s.fastq.r2 ? { code: s.fastq.r2.upload } : '',
    ]),
  );
}

export function logAssignEvent(io: ActionIo, event: AssignEvent): void {
  switch (event.type) {
    case 'assign-waiting':
      io.info(
        `Waiting for the sample sheet: ${event.found}/${event.expected} uploads listed, next look in ${(event.delayMs / 1000).toFixed(1)}s.`,
      );
      break;
    case 'assign-already-assigned':
      io.warning(
        `${event.uploads.length} upload(s) were already assigned by an earlier run; their ${event.samples.length} sample(s) are reported, not created again.`,
      );
      break;
    case 'assign-foreign-upload':
      io.warning(
        `Sample sheet entry ${event.clientId} pairs upload ${event.upload} of this run with an upload of another run.`,
      );
      break;
    case 'assign-batch':
      io.info(`Assigning batch ${event.batch}/${event.batches} (${event.samples} samples).`);
      break;
    case 'assign-done':
      io.info(`${event.samples} sample(s) created; analysis started.`);
      break;
  }
}

/**
 * Uploads exist but the assignment failed: outputs and summary still describe what exists, and
 * the step fails telling how to finish (`gencove projects run-prefix`).
 */
export function assignmentFailure(
  error: AssignmentError,
  projectId: string,
  destination: string,
): StepFailure {
  const done =
    error.assigned.length > 0
      ? ` ${error.assigned.length} sample(s) were created before the failure.`
      : '';
  return new StepFailure(
    `The uploads are on Gencove but could not all be assigned to project ${projectId}: ${error.message} (${error.code}).${done} ` +
      `Finish with: gencove projects run-prefix ${projectId} ${destination}`,
  );
}

/** `file` relative to `base` with `/` separators when inside it, else unchanged. */
export function relativeIfInside(base: string, file: string): string {
  const rel = relative(base, file);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? file : rel.split(sep).join('/');
}

/** Path of a file for an annotation: relative to the workspace when inside it. */
export function annotationPath(file: string): string {
  const workspace = process.env.GITHUB_WORKSPACE;
  return workspace ? relativeIfInside(workspace, file) : file;
}

/** A rejected map file: one error annotation per problem line (the step message lists them all). */
export function annotateMapFileError(io: ActionIo, error: unknown): void {
  if (!(error instanceof MapFileError)) return;
  const file = annotationPath(error.file);
  const problems = [...error.problems].sort((a, b) => a.line - b.line);
  for (const problem of problems.slice(0, MAX_ANNOTATIONS)) {
    io.error(problem.message, {
      title: 'Gencove: map file rejected',
      file,
      ...(problem.line > 0 ? { line: problem.line } : {}),
    });
  }
}

export { AssignmentError };
