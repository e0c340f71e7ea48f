import { VERSION } from '@gencove/core';
import { Command, CommanderError } from 'commander';
import { doctorCommand } from './commands/doctor.js';
import { downloadCommand } from './commands/download.js';
import { fileTypesCommand } from './commands/file-types.js';
import { mapFileCommand } from './commands/map-file.js';
import { projectsCommand } from './commands/projects.js';
import { samplesCommand } from './commands/samples.js';
import { uploadCommand } from './commands/upload.js';
import { uploadsCommand } from './commands/uploads.js';
import { waitCommand } from './commands/wait.js';
import { webhooksCommand } from './commands/webhooks.js';
import { EXIT_CODE_HELP, ExitCode } from './exit-codes.js';
import type { Io } from './io.js';
import { renderError } from './render/error.js';

export function buildProgram(io: Io, setExitCode: (code: number) => void): Command {
  const program = new Command('gencove')
    .description(
      'Automate sequencing data on Gencove: upload FASTQs, import them from URLs, wait for samples and deliver results.',
    )
    .version(VERSION, '-V, --version')
    .addHelpText('after', `\n${EXIT_CODE_HELP}\n`)
    .showSuggestionAfterError(true);
  program.addCommand(projectsCommand(io));
  program.addCommand(samplesCommand(io));
  program.addCommand(fileTypesCommand(io));
  program.addCommand(uploadCommand(io));
  program.addCommand(uploadsCommand(io));
  program.addCommand(downloadCommand(io));
  program.addCommand(mapFileCommand(io));
  program.addCommand(webhooksCommand(io, setExitCode));
  program.addCommand(waitCommand(io, setExitCode));
  program.addCommand(doctorCommand(io, setExitCode));
  configure(program, io);
  return program;
}

/** Commander's own errors (unknown flag, missing argument) become usage errors with exit 2. */
function configure(command: Command, io: Io): void {
  command.exitOverride().configureOutput({
    writeOut: (text) => io.stdout.write(text),
    writeErr: (text) => io.stderr.write(text),
  });
  for (const sub of command.commands) configure(sub, io);
}

/** Runs the CLI and resolves to its exit code; never calls process.exit itself. */
export async function run(argv: string[], io: Io): Promise<number> {
  let exitCode: number = ExitCode.Ok;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return ExitCode.Ok; // --help, --version
      return ExitCode.Usage;
    }
    return renderError(io, error, argv.includes('--json'));
  }
}
