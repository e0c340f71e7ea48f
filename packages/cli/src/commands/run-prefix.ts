/**
 * `gencove projects run-prefix PROJECT_ID PREFIX` (spec §6.5): assign every upload under a
 * `gncv://` prefix to a project — how files uploaded without `--run-project-id`, or a run whose
 * assignment failed, get their samples.
 */
import { assignByPrefix, SHEET_STATUS_FILTERS } from '@gencove/core';
import type { Command } from 'commander';
import { choiceArg, jsonArg, uuidArg } from '../args.js';
import { writeAssignmentOutput } from '../assignment-output.js';
import { type AuthOptions, withClient } from '../context.js';
import { type Io, info, writeJson } from '../io.js';
import { addAuthOptions, addJsonOption } from '../options.js';
import { UsageError } from '../usage-error.js';

interface RunPrefixOptions extends AuthOptions {
  metadataJson?: string;
  status: string;
  output?: string;
  json?: boolean;
}

export function addRunPrefixCommand(projects: Command, io: Io): void {
  addJsonOption(
    addAuthOptions(
      projects
        .command('run-prefix')
        .description(
          'assign every upload under a gncv:// prefix to a project (creates the samples, starts the analysis)',
        )
        .argument('<project_id>', 'project UUID')
        .argument('<prefix>', 'gncv:// prefix, e.g. gncv://plate-7/')
        .option('--metadata-json <json>', 'JSON metadata for every created sample')
        .option(
          '--status <status>',
          `sample-sheet entries to take: ${SHEET_STATUS_FILTERS.join('|')} (default unassigned)`,
          'unassigned',
        )
        .option(
          '--output <path>',
          'write the created samples as JSON to this file, "-" for stdout',
        ),
    ),
  ).action(async (projectIdArg: string, prefix: string, options: RunPrefixOptions) => {
    const projectId = uuidArg('PROJECT_ID', projectIdArg);
    const status = choiceArg('--status', options.status, SHEET_STATUS_FILTERS);
    const metadata =
      options.metadataJson === undefined ? null : jsonArg('--metadata-json', options.metadataJson);
    if (options.json && options.output === '-') {
      throw new UsageError(
        '--output - cannot be combined with --json: both write to stdout (the JSON result includes the samples).',
      );
    }
    const json = options.json === true;
    const samples = await withClient(options, io, (client) =>
      assignByPrefix(client, {
        projectId,
        prefix,
        status,
        metadata,
        onEvent: (event) => {
          if (!json && event.type === 'assign-batch') {
            info(io, `Assigned batch ${event.batch}/${event.batches} (${event.samples} samples).`);
          }
        },
      }),
    );
    if (options.output !== undefined) await writeAssignmentOutput(io, options.output, samples);
    if (json) return writeJson(io, { projectId, prefix, status, samples });
    info(io, `Assigned ${samples.length} samples under ${prefix} to project ${projectId}.`);
  });
}
