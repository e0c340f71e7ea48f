import { type Command, Option } from 'commander';

/** The official CLI's common options, on every command that talks to the API. */
export function addAuthOptions(command: Command): Command {
  return command
    .option('--host <url>', 'API host (env GENCOVE_HOST, default https://api.gencove.com)')
    .option('--email <email>', 'account e-mail (env GENCOVE_EMAIL)')
    .option('--password <password>', 'account password (env GENCOVE_PASSWORD)')
    .option('--api-key <key>', 'API key (env GENCOVE_API_KEY)');
}

export function addJsonOption(command: Command): Command {
  return command.option('--json', 'print machine-readable JSON on stdout');
}

export function addProgressOptions(command: Command): Command {
  return command
    .option('--no-progress', 'do not show progress')
    .addOption(new Option('--json', 'print NDJSON events and a JSON result on stdout'));
}
