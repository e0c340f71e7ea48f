import type { SampleDetail } from '../../models.js';
import { formatGencoveTimestamp } from '../../timestamps.js';
import type { FileTypeFilter } from './file-types.js';

/** One element of the `--download-urls` JSON (spec §9.8). */
export interface DownloadUrlsEntry {
  gencove_id: string;
  /** `null` when the sample has none, as Python's `json.dumps` writes `None`. */
  client_id: string | null;
  last_status: { id: string | null; status: string | null; created: string | null };
  archive_last_status: {
    id: string | null;
    status: string | null;
    created: string | null;
    transition_cutoff: string | null;
  };
  files: Record<string, { id: string; download_url: string | null; checksum_sha256: string }>;
}

const ts = (value: string | null | undefined): string | null =>
  value ? formatGencoveTimestamp(value) : null;

export function downloadUrlsEntry(sample: SampleDetail, filter: FileTypeFilter): DownloadUrlsEntry {
  const files: DownloadUrlsEntry['files'] = {};
  for (const file of sample.files) {
    if (!file.file_type || !filter.admits(file.file_type)) continue;
    files[file.file_type] = {
      id: file.id,
      download_url: file.download_url ?? null,
      checksum_sha256: file.checksum_sha256 ?? '',
    };
  }
  const status = sample.last_status;
  const archive = sample.archive_last_status;
  return {
    gencove_id: sample.id,
    client_id: sample.client_id ?? null,
    last_status: {
      id: status?.id ?? null,
      status: status?.status ?? null,
      created: ts(status?.created),
    },
    archive_last_status: {
      id: archive?.id ?? null,
      status: archive?.status ?? null,
      created: ts(archive?.created),
      transition_cutoff: ts(archive?.transition_cutoff),
    },
    files,
  };
}

/** Python `json.dumps(…, indent=4)`: JS's layout is identical once non-ASCII is escaped. */
export function formatDownloadUrlsJson(entries: readonly DownloadUrlsEntry[]): string {
  return JSON.stringify(entries, null, 4).replace(
    /[\u007f-\uffff]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
