import {
  type SampleSheetEntry,
  SHEET_SORT_FIELDS,
  SHEET_STATUS_FILTERS,
  SORT_ORDERS,
} from '@gencove/core';
import { Command } from 'commander';
import { choiceArg } from '../args.js';
import { type AuthOptions, withClient } from '../context.js';
import { tsv } from '../format.js';
import { type Io, writeJsonArray, writeOut } from '../io.js';
import { addAuthOptions, addJsonOption } from '../options.js';

interface UploadsListOptions extends AuthOptions {
  search?: string;
  status: string;
  sortBy: string;
  sortOrder: string;
  json?: boolean;
}

/** `gencove uploads list` (spec §5): the uploads of the organization, as prospective samples. */
export function uploadsCommand(io: Io): Command {
  const uploads = new Command('uploads').description('uploaded and imported FASTQs');
  const list = uploads
    .command('list')
    .description(
      'list uploads as prospective samples (tab-separated: client id, R1 upload id, R1 path[, R2 upload id, R2 path])',
    )
    .option('--search <text>', 'only entries whose gncv:// path contains this text')
    .option('--status <status>', `assignment: ${SHEET_STATUS_FILTERS.join('|')}`, 'all')
    .option('--sort-by <field>', `sort by: ${SHEET_SORT_FIELDS.join('|')}`, 'created')
    .option('--sort-order <order>', SORT_ORDERS.join('|'), 'desc');
  addJsonOption(addAuthOptions(list)).action(async (options: UploadsListOptions) => {
    const filters = {
      ...(options.search !== undefined ? { search: options.search } : {}),
      status: choiceArg('--status', options.status, SHEET_STATUS_FILTERS),
      sortBy: choiceArg('--sort-by', options.sortBy, SHEET_SORT_FIELDS),
      sortOrder: choiceArg('--sort-order', options.sortOrder, SORT_ORDERS),
    };
    await withClient(options, io, async (client) => {
      const entries = client.listSampleSheet(filters);
      if (options.json) return writeJsonArray(io, entries);
      for await (const entry of entries) writeOut(io, uploadLine(entry));
    });
  });
  return uploads;
}

/** The official columns: client id, R1 upload and path, then R2's when there is one. */
export function uploadLine(entry: SampleSheetEntry): string {
  const { r1, r2 } = entry.fastq;
  const columns = [entry.client_id, r1?.upload, r1?.destination_path];
  if (r2) columns.push(r2.upload, r2.destination_path);
  return tsv(columns);
}
