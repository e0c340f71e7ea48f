#!/usr/bin/env node
import { ExitCode } from './exit-codes.js';
import { type Interrupt, processIo } from './io.js';
import { run } from './program.js';

// The AWS SDK warns on stderr about its future Node requirement; our engines field (>= 20.18)
// is the support statement users should see, so the SDK's notice would only be noise.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// First Ctrl-C: a command listening to the interrupt signal stops cleanly (at most
// CLEANUP_MS); one that is not exits at once, as does a second Ctrl-C.
const CLEANUP_MS = 10_000;
const controller = new AbortController();
const interrupt: Interrupt = { signal: controller.signal, handled: false };
process.on('SIGINT', () => {
  if (controller.signal.aborted || !interrupt.handled) process.exit(ExitCode.Interrupted);
  // Nothing is printed here (it would land in the middle of progress bars or JSON output): the
  // command reports the interruption once its job has stopped.
  controller.abort();
  setTimeout(() => process.exit(ExitCode.Interrupted), CLEANUP_MS).unref();
});
const exitCode = await run(process.argv.slice(2), processIo(interrupt));
process.exitCode = exitCode;
