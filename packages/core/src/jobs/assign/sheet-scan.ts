import type { SampleSheetEntry } from '../../models.js';
import type { AssignApi } from './types.js';

export interface SheetScan {
  /** Entries holding at least one of our uploads, each once. */
  entries: SampleSheetEntry[];
  /** Our upload IDs seen in those entries. */
  seen: Set<string>;
  /** Uploads that share an entry with ours but are not ours. */
  foreign: Array<{ clientId: string; upload: string }>;
}

export function uploadsOf(entry: SampleSheetEntry): string[] {
  const ids: string[] = [];
  for (const read of [entry.fastq?.r1, entry.fastq?.r2]) {
    if (read && typeof read.upload === 'string') ids.push(read.upload);
  }
  return ids;
}

/**
 * One full pass over the sample sheet for `search`, keeping the entries that hold our uploads.
 * Sorted by creation ascending so that uploads landing while we page append at the end instead
 * of shifting the offsets of pages not read yet.
 */
export async function scanSampleSheet(
  client: AssignApi,
  search: string,
  status: 'unassigned' | 'assigned',
  ours: ReadonlySet<string>,
  signal?: AbortSignal,
): Promise<SheetScan> {
  const scan: SheetScan = { entries: [], seen: new Set(), foreign: [] };
  const sheet = client.listSampleSheet({
    search,
    status,
    sortBy: 'created',
    sortOrder: 'asc',
    ...(signal ? { signal } : {}),
  });
  for await (const entry of sheet) {
    const ids = uploadsOf(entry);
    const mine = ids.filter((id) => ours.has(id));
    if (mine.length === 0 || mine.some((id) => scan.seen.has(id))) continue;
    scan.entries.push(entry);
    for (const id of mine) scan.seen.add(id);
    for (const id of ids) {
      if (!ours.has(id)) scan.foreign.push({ clientId: entry.client_id ?? '', upload: id });
    }
  }
  return scan;
}
