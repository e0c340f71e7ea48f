import type { PlanProblem } from './plan-types.js';

/** Bad local input (source, flags): reported before any request, exit code 2 in the CLI. */
export class UploadInputError extends Error {
  readonly code: 'ERR_GENCOVE_INPUT' | 'ERR_GENCOVE_NO_FILES';
  constructor(message: string, code: UploadInputError['code'] = 'ERR_GENCOVE_INPUT') {
    super(message);
    this.name = 'UploadInputError';
    this.code = code;
  }
}

/**
 * The source holds no FASTQ file: an empty or FASTQ-less directory, a map file without rows, or
 * given files none of which is a FASTQ. Its own code so that front ends can treat "nothing to
 * upload" as they choose (GitHub's `if-no-files-found`); the CLI exits 2 as for any bad input.
 */
export class NoFastqFilesError extends UploadInputError {
  /** The source as the caller named it. */
  readonly source: string;
  constructor(source: string, message: string) {
    super(message, 'ERR_GENCOVE_NO_FILES');
    this.name = 'NoFastqFilesError';
    this.source = source;
  }
}

/** The pre-flight check found problems that would make the upload or the assignment fail. */
export class UploadPlanError extends Error {
  readonly code = 'ERR_GENCOVE_INPUT';
  readonly problems: PlanProblem[];
  constructor(problems: PlanProblem[]) {
    const errors = problems.filter((p) => p.severity === 'error');
    const listed = errors.slice(0, 50).map((p) => `  ${p.message}`);
    if (errors.length > listed.length) listed.push(`  … and ${errors.length - listed.length} more`);
    super(
      `The upload was not started: ${errors.length === 1 ? '1 problem' : `${errors.length} problems`} found (nothing was sent):\n${listed.join('\n')}`,
    );
    this.name = 'UploadPlanError';
    this.problems = problems;
  }
}

/** An S3 request failed for good (after retries); the file's resume state is kept. */
export class S3TransferError extends Error {
  readonly code: string;
  readonly status?: number;
  constructor(message: string, options: { code?: string; status?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'S3TransferError';
    this.code = options.code ?? 'ERR_GENCOVE_S3';
    if (options.status !== undefined) this.status = options.status;
  }
}

/** A local file changed while it was being uploaded. */
export class SourceChangedError extends Error {
  readonly code = 'ERR_GENCOVE_SOURCE_CHANGED';
  constructor(readonly path: string) {
    super(
      `${path} changed while it was being uploaded; run the command again to upload the new content.`,
    );
    this.name = 'SourceChangedError';
  }
}
