/**
 * Errors of the download job. Like the other jobs' input errors they carry a stable `code`
 * (the CLI maps codes to exit statuses) and never a presigned URL or any other secret.
 */

/** What became of the bytes of a file whose sha256 did not match, twice. */
export type MismatchAftermath =
  /** the local file was removed (disk) */
  | 'removed'
  /** a file already at the target has the expected sha256 and was left as it was (disk) */
  | 'kept-existing'
  /** the multipart upload was aborted: no object was written (S3) */
  | 'not-written'
  /** the bytes already went out and cannot be taken back (a stream) */
  | 'streamed';

const AFTERMATH_TEXT: Record<MismatchAftermath, string> = {
  removed: 'the file was removed.',
  'kept-existing': 'the file already there has the expected sha256 and was kept.',
  'not-written': 'no object was written.',
  streamed: 'the bytes already written are corrupt.',
};

/** A sample file's bytes did not match the API's `checksum_sha256`, twice. Nothing was kept. */
export class ChecksumMismatchError extends Error {
  readonly code = 'ERR_GENCOVE_CHECKSUM';
  constructor(
    readonly target: string,
    readonly expected: string,
    readonly actual: string,
    readonly attempts: number,
    readonly aftermath: MismatchAftermath = 'removed',
  ) {
    super(
      `Checksum mismatch for ${target}: expected sha256 ${expected}, got ${actual} ` +
        `(${attempts} attempt${attempts === 1 ? '' : 's'}); ${AFTERMATH_TEXT[aftermath]}`,
    );
    this.name = 'ChecksumMismatchError';
  }
}

/**
 * A server-supplied name (file name, client id) would write outside DESTINATION or is not a
 * usable file name. The user's own template is checked earlier ({@link DownloadInputError}).
 */
export class UnsafePathError extends Error {
  readonly code = 'ERR_GENCOVE_UNSAFE_PATH';
  constructor(message: string) {
    super(message);
    this.name = 'UnsafePathError';
  }
}

/**
 * The disk (or quota) holding the destination is full. It stops the whole run: every other file
 * would fail the same way. What was fetched stays in `.part` files for the next run.
 */
export class DiskFullError extends Error {
  readonly code = 'ERR_GENCOVE_DISK_FULL';
  constructor(target: string, cause: NodeJS.ErrnoException) {
    super(
      `No space left for ${target} (${cause.code}): free some space (or raise the quota) and ` +
        're-run the same command; what was fetched is kept in .part files and resumed.',
      { cause },
    );
    this.name = 'DiskFullError';
  }
}

/** `error` as a {@link DiskFullError} when it is the file system's "no space" (or quota). */
export function diskFullError(error: unknown, target: string): DiskFullError | undefined {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT'
    ? new DiskFullError(target, error as NodeJS.ErrnoException)
    : undefined;
}

/** Bad download options (template syntax, file types, destination, `--since`). */
export class DownloadInputError extends Error {
  readonly code = 'ERR_GENCOVE_INPUT';
  constructor(
    readonly argument: string,
    message: string,
  ) {
    super(message);
    this.name = 'DownloadInputError';
  }
}

export interface ArchivedSample {
  id: string;
  clientId: string;
  project: string | undefined;
  archiveStatus: string;
}

/** Selected samples are archived; raised before any byte moves unless restore or skip was asked. */
export class ArchivedSamplesError extends Error {
  readonly code = 'ERR_GENCOVE_ARCHIVED';
  /** `restore-only`: the command has no --restore / --skip-archived (`samples download-file`). */
  constructor(
    readonly samples: ArchivedSample[],
    ways: 'download' | 'restore-only' = 'download',
  ) {
    const listed = samples
      .slice(0, 20)
      .map((s) => `  ${s.id}${s.clientId ? ` (${s.clientId})` : ''}: ${s.archiveStatus}`);
    if (samples.length > 20) listed.push(`  … and ${samples.length - 20} more`);
    const projects = [...new Set(samples.map((s) => s.project).filter(Boolean))];
    const ids = samples.map((s) => s.id).join(',');
    const restoreHint =
      projects.length === 1
        ? `gencove projects restore-samples ${projects[0]} --sample-ids ${samples.length <= 20 ? ids : '<ids>'}`
        : 'gencove projects restore-samples PROJECT_ID --sample-ids <ids>';
    super(
      `${samples.length} selected sample${samples.length === 1 ? ' is' : 's are'} archived; nothing was downloaded:\n` +
        `${listed.join('\n')}\n` +
        (ways === 'restore-only'
          ? `Restore ${samples.length === 1 ? 'it' : 'them'} first (${restoreHint} --wait), then run this again.`
          : `Restore them first (${restoreHint}), or re-run with --restore to restore, wait and download, ` +
            'or with --skip-archived to download the others.'),
    );
    this.name = 'ArchivedSamplesError';
  }
}

/**
 * The reader of a streamed file went away (EPIPE: `gencove download - … | head`). What it read
 * was correct as far as it went; the rest was not sent. Front ends may treat it as a normal end.
 */
export class OutputClosedError extends Error {
  readonly code = 'ERR_GENCOVE_OUTPUT_CLOSED';
  constructor(
    readonly target: string,
    readonly writtenBytes: number,
  ) {
    super(`The reader of the output closed it after ${writtenBytes} bytes of ${target}.`);
    this.name = 'OutputClosedError';
  }
}

/** The file changed on the server between two requests of one transfer (ETag or size). */
export class RemoteFileChangedError extends Error {
  readonly code = 'ERR_GENCOVE_REMOTE_CHANGED';
  constructor(message: string) {
    super(message);
    this.name = 'RemoteFileChangedError';
  }
}

export interface FileFailure {
  sampleId: string;
  fileType: string;
  target: string;
  error: Error & { code?: string };
}

/**
 * Some files could not be delivered (the others were). `code` is the checksum code when any
 * failure was a checksum mismatch, so that integrity failures get their own exit status;
 * otherwise the failures' common code (network and timeout count as one), else
 * `ERR_GENCOVE_DOWNLOAD`.
 */
export class DownloadFailedError extends Error {
  readonly code: string;
  /** What was delivered, skipped and failed (set by the job). */
  result?: unknown;
  constructor(readonly failures: FileFailure[]) {
    const listed = failures
      .slice(0, 20)
      .map((f) => `  ${f.target}: ${f.error.message.split('\n')[0]}`);
    if (failures.length > 20) listed.push(`  … and ${failures.length - 20} more`);
    super(
      `${failures.length} file${failures.length === 1 ? '' : 's'} could not be delivered:\n${listed.join('\n')}`,
    );
    this.name = 'DownloadFailedError';
    const codes = new Set(failures.map((f) => f.error.code ?? 'ERR_GENCOVE_DOWNLOAD'));
    // Stalled and broken connections together are one cause to the user (both exit 5).
    if (codes.size === 2 && codes.has('ERR_GENCOVE_TIMEOUT') && codes.has('ERR_GENCOVE_NETWORK')) {
      codes.delete('ERR_GENCOVE_TIMEOUT');
    }
    this.code = failures.some((f) => f.error instanceof ChecksumMismatchError)
      ? 'ERR_GENCOVE_CHECKSUM'
      : codes.size === 1
        ? [...codes][0]!
        : 'ERR_GENCOVE_DOWNLOAD';
  }
}

/** `--restore`: the restores did not complete within the wait. Nothing was downloaded. */
export class RestoreTimeoutError extends Error {
  readonly code = 'ERR_GENCOVE_RESTORE_TIMEOUT';
  constructor(readonly pending: string[]) {
    super(
      `${pending.length} sample restore${pending.length === 1 ? ' has' : 's have'} not completed in time ` +
        `(${pending.slice(0, 10).join(', ')}${pending.length > 10 ? ', …' : ''}); they were requested ` +
        'and will complete on their own: re-run the download later (skip-existing makes it cheap).',
    );
    this.name = 'RestoreTimeoutError';
  }
}
