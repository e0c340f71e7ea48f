#!/usr/bin/env node
import { ExitCode } from './exit-codes.js';
import { processIo } from './io.js';
import { run } from './program.js';

process.on('SIGINT', () => process.exit(ExitCode.Interrupted));
const exitCode = await run(process.argv.slice(2), processIo());
process.exitCode = exitCode;
