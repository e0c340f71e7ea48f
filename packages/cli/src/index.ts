export { EXIT_CODE_HELP, ExitCode, exitCodeForError } from './exit-codes.js';
export type { Io } from './io.js';
export { buildProgram, run } from './program.js';
