/**
 * `gencove projects restore-samples PROJECT_ID [--sample-ids …]` (spec §7.5), optionally waiting
 * until the restores have completed.
 */
import { restoreProjectSamples } from '@gencove/core';
import type { Command } from 'commander';
import { listArg, uuidArg } from '../args.js';
import { type AuthOptions, withClient } from '../context.js';
import { parseDuration } from '../duration.js';
import { type Io, info, writeNdjson } from '../io.js';
import { addAuthOptions, addJsonOption } from '../options.js';
import { UsageError } from '../usage-error.js';

interface RestoreOptions extends AuthOptions {
  sampleIds?: string;
  wait?: boolean;
  timeout: string;
  json?: boolean;
}

/** Adds the sub-command to `gencove projects`. */
export function addRestoreCommand(projects: Command, io: Io): void {
  const command = projects
    .command('restore-samples')
    .description(
      'request the restore of archived samples (all archived samples when no ids are given)',
    )
    .argument('<project_id>', 'project UUID')
    .option('--sample-ids <ids>', 'sample UUIDs, comma-separated')
    .option('--wait', 'wait until the restores have completed')
    .option('--timeout <duration>', 'longest wait with --wait', '24h');
  addJsonOption(addAuthOptions(command)).action(
    async (projectIdArg: string, options: RestoreOptions) => {
      const projectId = uuidArg('PROJECT_ID', projectIdArg);
      const sampleIds =
        options.sampleIds === undefined
          ? undefined
          : listArg(options.sampleIds).map((id) => uuidArg('--sample-ids', id));
      if (sampleIds?.length === 0) throw new UsageError('--sample-ids is empty.');
      const timeoutMs = parseDuration('--timeout', options.timeout);
      await withClient(options, io, async (client) => {
        if (options.wait && !options.json) info(io, 'Requesting the restore and waiting for it…');
        const result = await restoreProjectSamples(client, {
          projectId,
          ...(sampleIds ? { sampleIds } : {}),
          wait: options.wait === true,
          timeoutMs,
          onEvent: (event) => {
            if (options.json && event.type !== 'restore-wait') writeNdjson(io, event);
          },
        });
        if (options.json) {
          writeNdjson(io, { type: 'result', projectId, ...result, waited: options.wait === true });
          return;
        }
        const what =
          result.sampleIds === 'all'
            ? 'every archived sample'
            : `${result.sampleIds.length} sample${result.sampleIds.length === 1 ? '' : 's'}`;
        info(
          io,
          options.wait
            ? `Restored ${what} of project ${projectId}.`
            : `Requested the restore of ${what} of project ${projectId}; it completes in the background (use --wait to wait for it).`,
        );
      });
    },
  );
}
