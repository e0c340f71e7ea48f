/**
 * Exit codes of the `gencove` CLI. Documented in the CLI README and in `gencove --help`.
 * 1 is kept for "the API or a transfer failed", as the official client exits 1 on every error.
 */
export const ExitCode = {
  Ok: 0,
  Failure: 1,
  Usage: 2,
  Auth: 3,
  NotFound: 4,
  Unavailable: 5,
  Integrity: 6,
  WaitFailedQc: 10,
  WaitFailed: 11,
  WaitTimeout: 12,
  WaitUnavailable: 13,
  Interrupted: 130,
  /** SIGTERM (a CI runner cancelling the job, `timeout`, systemd): the same clean stop. */
  Terminated: 143,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export const EXIT_CODE_HELP = `Exit codes:
  0    success
  1    the API or a transfer failed (server error, rejected request, partial work)
  2    bad input: unknown flag, invalid value, unreadable file (nothing was changed)
  3    authentication or permission failed (bad or missing credentials, OTP)
  4    a project, sample or file was not found
  5    the service is unreachable, timed out, rate limited or in maintenance
  6    integrity failure: a downloaded file did not match its checksum
  10   wait: every sample finished, some failed QC
  11   wait: some samples failed
  12   wait: timed out before every sample finished; download --restore: restores not done in time
  13   wait: some samples are archived or unavailable; download, samples download-file:
       samples are archived
  130  interrupted (Ctrl-C)
  143  stopped by SIGTERM (a cancelled CI job, timeout), cleanly as for Ctrl-C`;

const BY_ERROR_CODE: Record<string, ExitCodeValue> = {
  ERR_GENCOVE_CONFIG: ExitCode.Usage,
  ERR_GENCOVE_INPUT: ExitCode.Usage,
  ERR_GENCOVE_INVALID_ARGUMENT: ExitCode.Usage,
  ERR_GENCOVE_NO_FILES: ExitCode.Usage,
  ERR_GENCOVE_AUTH: ExitCode.Auth,
  ERR_GENCOVE_OTP_REQUIRED: ExitCode.Auth,
  ERR_GENCOVE_FORBIDDEN: ExitCode.Auth,
  ERR_GENCOVE_NOT_FOUND: ExitCode.NotFound,
  ERR_GENCOVE_RATE_LIMITED: ExitCode.Unavailable,
  ERR_GENCOVE_MAINTENANCE: ExitCode.Unavailable,
  ERR_GENCOVE_NETWORK: ExitCode.Unavailable,
  ERR_GENCOVE_TIMEOUT: ExitCode.Unavailable,
  ERR_GENCOVE_CHECKSUM: ExitCode.Integrity,
  // The same outcomes as `wait`'s, with the same codes.
  ERR_GENCOVE_ARCHIVED: ExitCode.WaitUnavailable,
  ERR_GENCOVE_RESTORE_TIMEOUT: ExitCode.WaitTimeout,
  ERR_GENCOVE_ABORTED: ExitCode.Interrupted,
};

export function exitCodeForError(error: unknown): ExitCodeValue {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code in BY_ERROR_CODE) return BY_ERROR_CODE[code]!;
  return ExitCode.Failure;
}
