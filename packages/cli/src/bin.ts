#!/usr/bin/env node
import { ExitCode } from './exit-codes.js';
import { type Interrupt, processIo } from './io.js';
import { run } from './program.js';

// The AWS SDK warns on stderr about its future Node requirement; our engines field (>= 22) is
// the support statement users should see, so the SDK's notice would only be noise (a checkout
// developed on Node 20 would print it on every command).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// First Ctrl-C (or SIGTERM from a CI runner cancelling the job): a command listening to the
// interrupt signal stops cleanly (at most CLEANUP_MS); one that is not exits at once, as does a
// second signal. Exit status 128 + the signal's number. SIGHUP is left alone: a listener would
// undo `nohup`.
const CLEANUP_MS = 10_000;
const SIGNAL_EXIT_CODES = {
  SIGINT: ExitCode.Interrupted,
  SIGTERM: ExitCode.Terminated,
} as const;
const controller = new AbortController();
const interrupt: Interrupt = { signal: controller.signal, handled: false };
let stoppedWith: number | undefined;
for (const [name, code] of Object.entries(SIGNAL_EXIT_CODES)) {
  process.on(name, () => {
    if (controller.signal.aborted || !interrupt.handled) process.exit(stoppedWith ?? code);
    // Nothing is printed here (it would land in the middle of progress bars or JSON output):
    // the command reports the interruption once its job has stopped.
    stoppedWith = code;
    controller.abort();
    setTimeout(() => process.exit(code), CLEANUP_MS).unref();
  });
}
const exitCode = await run(process.argv.slice(2), processIo(interrupt));
process.exitCode =
  exitCode === ExitCode.Interrupted && stoppedWith !== undefined ? stoppedWith : exitCode;
