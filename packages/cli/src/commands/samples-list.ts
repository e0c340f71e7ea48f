/**
 * Listing the samples of a project: `gencove samples list --project-id P` and the official
 * `gencove projects list-samples PROJECT_ID` share these options, filters and output.
 */
import {
  ARCHIVE_STATUS_FILTERS,
  HIDDEN_STATUS_FILTERS,
  listSamples,
  type ProjectSampleFilters,
  SAMPLE_SORT_FIELDS,
  SAMPLE_STATUS_FILTERS,
  type SampleListItem,
  SORT_ORDERS,
} from '@gencove/core';
import type { Command } from 'commander';
import { choiceArg, uuidArg } from '../args.js';
import { type AuthOptions, withClient } from '../context.js';
import { isoUtc, tsv } from '../format.js';
import { type Io, writeJsonArray, writeOut } from '../io.js';
import { addAuthOptions, addJsonOption } from '../options.js';
import { UsageError } from '../usage-error.js';

export interface ListSamplesOptions extends AuthOptions {
  search?: string;
  status: string;
  archiveStatus: string;
  hidden?: boolean;
  hiddenStatus?: string;
  sortBy: string;
  sortOrder: string;
  includeRun?: boolean;
  json?: boolean;
}

/** Every filter of spec §7.1, with the official client's defaults. */
export function addSampleListOptions(command: Command): Command {
  return addJsonOption(
    addAuthOptions(
      command
        .option('--search <text>', 'match sample id, client id or metadata')
        .option('--status <status>', `analysis status: ${SAMPLE_STATUS_FILTERS.join('|')}`, 'all')
        .option(
          '--archive-status <status>',
          `archive status: ${ARCHIVE_STATUS_FILTERS.join('|')}`,
          'all',
        )
        .option('--hidden', 'include hidden samples (same as --hidden-status all)')
        .option('--hidden-status <status>', `${HIDDEN_STATUS_FILTERS.join('|')} (default visible)`)
        .option('--sort-by <field>', `sort by: ${SAMPLE_SORT_FIELDS.join('|')}`, 'modified')
        .option('--sort-order <order>', SORT_ORDERS.join('|'), 'desc')
        .option('--include-run', 'add the run id column')
        .option('--no-include-run', 'omit the run id column (default)'),
    ),
  );
}

export function sampleFiltersFrom(options: ListSamplesOptions): ProjectSampleFilters {
  if (options.hidden && options.hiddenStatus !== undefined && options.hiddenStatus !== 'all') {
    throw new UsageError('--hidden means --hidden-status all; give only one of them.');
  }
  const hiddenStatus = options.hidden ? 'all' : (options.hiddenStatus ?? 'visible');
  return {
    ...(options.search !== undefined ? { search: options.search } : {}),
    status: choiceArg('--status', options.status, SAMPLE_STATUS_FILTERS),
    archiveStatus: choiceArg('--archive-status', options.archiveStatus, ARCHIVE_STATUS_FILTERS),
    hiddenStatus: choiceArg('--hidden-status', hiddenStatus, HIDDEN_STATUS_FILTERS),
    sortBy: choiceArg('--sort-by', options.sortBy, SAMPLE_SORT_FIELDS),
    sortOrder: choiceArg('--sort-order', options.sortOrder, SORT_ORDERS),
  };
}

/**
 * Prints the samples as they arrive, page by page: the official tab-separated lines
 * (status time, id, client id, status, archive status or `unknown`[, run]), or with `--json`
 * one JSON array written item by item, so memory does not grow with the project.
 */
export async function printSamples(
  io: Io,
  projectIdArg: string,
  options: ListSamplesOptions,
): Promise<void> {
  const projectId = uuidArg('PROJECT_ID', projectIdArg);
  const filters = sampleFiltersFrom(options);
  await withClient(options, io, async (client) => {
    const samples = listSamples(client, projectId, filters);
    if (options.json) return writeJsonArray(io, samples);
    for await (const s of samples) writeOut(io, sampleLine(s, options.includeRun === true));
  });
}

export function sampleLine(s: SampleListItem, includeRun: boolean): string {
  const columns = [
    isoUtc(s.last_status?.created),
    s.id,
    s.client_id,
    s.last_status?.status,
    s.archive_last_status?.status ?? 'unknown',
  ];
  if (includeRun) columns.push(s.run ?? '');
  return tsv(columns);
}

/** `gencove samples list --project-id P`; registered by the `samples` command group. */
export function addSamplesListCommand(samples: Command, io: Io): void {
  addSampleListOptions(
    samples
      .command('list')
      .description(
        'list the samples of a project (tab-separated: status time, id, client id, status, archive status[, run])',
      )
      .requiredOption('--project-id <uuid>', 'project UUID'),
  ).action(async (options: ListSamplesOptions & { projectId: string }) => {
    await printSamples(io, options.projectId, options);
  });
}
