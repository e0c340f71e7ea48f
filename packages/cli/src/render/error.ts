import { exitCodeForError } from '../exit-codes.js';
import type { Io } from '../io.js';

/**
 * One clear message on stderr. Core errors arrive already redacted; we print only their
 * message (never a stack) and, in JSON mode, one machine-readable line.
 */
const INTERRUPTED = 'Interrupted. Re-run the same command to go on where it stopped.';

export function renderError(io: Io, error: unknown, json: boolean): number {
  // `gencove download - | head`: the reader had what it wanted; like `cat`, end quietly.
  if ((error as { code?: unknown } | null)?.code === 'ERR_GENCOVE_OUTPUT_CLOSED') return 0;
  const exitCode = exitCodeForError(error);
  const err = error as { message?: string; code?: string; status?: number };
  const interrupted = err?.code === 'ERR_GENCOVE_ABORTED';
  if (interrupted && !json) {
    io.stderr.write(`${INTERRUPTED}\n`);
    return exitCode;
  }
  const message = interrupted ? INTERRUPTED : (err?.message ?? String(error));
  if (json) {
    io.stderr.write(
      `${JSON.stringify({ error: { code: err?.code ?? 'ERR_GENCOVE_UNKNOWN', message, status: err?.status, exitCode } })}\n`,
    );
  } else {
    io.stderr.write(`ERROR: ${message}\n`);
  }
  return exitCode;
}
