import { Command } from 'commander';
import { type AuthOptions, withClient } from '../context.js';
import { isoUtc, tsv } from '../format.js';
import { type Io, writeJson, writeOut } from '../io.js';
import { addAuthOptions, addJsonOption } from '../options.js';
import { addRestoreCommand } from './restore.js';
import { addRunPrefixCommand } from './run-prefix.js';
import { addSampleListOptions, type ListSamplesOptions, printSamples } from './samples-list.js';

export function projectsCommand(io: Io): Command {
  const projects = new Command('projects').description('projects and their samples');

  addJsonOption(addAuthOptions(projects.command('list').description('list your projects'))).action(
    async (options: AuthOptions & { json?: boolean }) => {
      await withClient(options, io, async (client) => {
        const all = [];
        for await (const project of client.listProjects()) all.push(project);
        if (options.json) return writeJson(io, all);
        for (const p of all) {
          writeOut(
            io,
            tsv([isoUtc(p.created), p.id, p.name, String(p.pipeline_capabilities ?? '')]),
          );
        }
      });
    },
  );

  addSampleListOptions(
    projects
      .command('list-samples')
      .description(
        'list the samples of a project (tab-separated: status time, id, client id, status, archive status[, run])',
      )
      .argument('<project_id>', 'project UUID'),
  ).action((projectIdArg: string, options: ListSamplesOptions) =>
    printSamples(io, projectIdArg, options),
  );

  addRestoreCommand(projects, io);
  addRunPrefixCommand(projects, io);
  return projects;
}
