import { InvalidArgumentError, NotFoundError } from '../../errors.js';
import type { SheetStatusFilter } from '../../filters.js';
import type { SampleSheetEntry } from '../../models.js';
import { normalizeUuid } from '../../validate.js';
import { assignInBatches } from './assign.js';
import type { AssignApi, AssignEvent, AssignedSample } from './types.js';

/** What {@link assignByPrefix} needs from the API client (a `GencoveClient` satisfies it). */
export type AssignPrefixApi = AssignApi & {
  getProject(projectId: string, options?: { signal?: AbortSignal }): Promise<unknown>;
};

export interface AssignByPrefixOptions {
  projectId: string;
  /** A `gncv://` prefix: a folder (`gncv://run-7/`) or the start of paths (`gncv://run-2026-11`). */
  prefix: string;
  /**
   * Which sheet entries to take. Default `unassigned` (the official client's default is `all`,
   * which re-posts uploads that are already assigned; the server refuses those).
   */
  status?: SheetStatusFilter;
  /** Any JSON value, applied by the server to every created sample. */
  metadata?: unknown;
  signal?: AbortSignal;
  onEvent?: (event: AssignEvent) => void;
}

/**
 * `projects run-prefix` (spec §6.5): every sample-sheet entry under a `gncv://` prefix is assigned
 * to the project in batches of 200, with the metadata — no waiting. The project is checked first;
 * an empty selection is an error (as in the official client), nothing is assigned then.
 */
export async function assignByPrefix(
  client: AssignPrefixApi,
  options: AssignByPrefixOptions,
): Promise<AssignedSample[]> {
  const projectId = normalizeUuid(options.projectId, 'projectId');
  const { prefix, signal } = options;
  if (typeof prefix !== 'string' || !prefix.startsWith('gncv://') || prefix === 'gncv://') {
    throw new InvalidArgumentError(
      'prefix',
      `prefix must be a gncv:// path such as gncv://run-7/; got ${JSON.stringify(prefix)}`,
    );
  }
  const status = options.status ?? 'unassigned';
  await client.getProject(projectId, signal ? { signal } : {});

  const entries: SampleSheetEntry[] = [];
  const sheet = client.listSampleSheet({
    search: prefix,
    status,
    sortBy: 'created',
    sortOrder: 'asc',
    ...(signal ? { signal } : {}),
  });
  // The server's `search` is a substring match; keep what really starts with the prefix.
  for await (const entry of sheet) if (underPrefix(entry, prefix)) entries.push(entry);
  if (entries.length === 0) {
    throw new NotFoundError(
      `No ${status === 'all' ? '' : `${status} `}uploads under ${prefix} in the sample sheet; nothing was assigned.`,
    );
  }
  const samples = await assignInBatches(client, entries, {
    projectId,
    destination: prefix,
    metadata: options.metadata ?? null,
    ...(signal ? { signal } : {}),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });
  options.onEvent?.({ type: 'assign-done', samples: samples.length });
  return samples;
}

function underPrefix(entry: SampleSheetEntry, prefix: string): boolean {
  const paths = [entry.fastq?.r1?.destination_path, entry.fastq?.r2?.destination_path].filter(
    (p): p is string => typeof p === 'string',
  );
  // An entry without paths is taken as the server matched it.
  return paths.length === 0 || paths.some((p) => p.startsWith(prefix));
}
