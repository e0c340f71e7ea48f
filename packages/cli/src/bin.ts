#!/usr/bin/env node
import { ExitCode } from './exit-codes.js';
import { processIo } from './io.js';
import { run } from './program.js';

// The AWS SDK warns on stderr about its future Node requirement; our engines field (>= 20.18)
// is the support statement users should see, so the SDK's notice would only be noise.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.on('SIGINT', () => process.exit(ExitCode.Interrupted));
const exitCode = await run(process.argv.slice(2), processIo());
process.exitCode = exitCode;
