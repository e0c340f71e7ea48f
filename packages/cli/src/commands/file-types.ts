import { Command } from 'commander';
import { choiceArg, uuidArg } from '../args.js';
import { type AuthOptions, withClient } from '../context.js';
import { tsv } from '../format.js';
import { type Io, writeJson, writeOut } from '../io.js';
import { addAuthOptions, addJsonOption } from '../options.js';

interface FileTypesOptions extends AuthOptions {
  projectId?: string;
  object: string;
  json?: boolean;
}

export function fileTypesCommand(io: Io): Command {
  const command = new Command('file-types')
    .description('list deliverable file types (key, description), sorted by key')
    .option('--project-id <uuid>', 'only the types present in this project')
    .option('--object <object>', 'sample|reference_genome', 'sample');
  return addJsonOption(addAuthOptions(command)).action(async (options: FileTypesOptions) => {
    const projectId = options.projectId ? uuidArg('--project-id', options.projectId) : undefined;
    const object = choiceArg('--object', options.object, ['sample', 'reference_genome'] as const);
    await withClient(options, io, async (client) => {
      const types = [...(await client.listFileTypes({ projectId, object }))].sort((a, b) =>
        a.key.localeCompare(b.key),
      );
      if (options.json) return writeJson(io, types);
      for (const t of types) writeOut(io, tsv([t.key, t.description]));
    });
  });
}
