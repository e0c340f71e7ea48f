import pLimit from 'p-limit';
import { InvalidArgumentError } from '../../errors.js';
import type { SampleDetail, SampleListItem } from '../../models.js';
import { parseGencoveTimestamp } from '../../timestamps.js';
import { normalizeUuid } from '../../validate.js';
import { analysisPhase, isAvailableArchiveStatus } from '../status/vocabulary.js';
import type { DownloadApi } from './deliver-file.js';
import type { ArchivedSample } from './errors.js';
import type { DownloadEvent, DownloadSampleOutcome, DownloadStatusFilter } from './types.js';

/** A sample the run will deliver (or report as archived). */
export interface SelectedSample {
  id: string;
  clientId: string;
  project: string | undefined;
  status: string | null;
  statusCreated: string | null;
  archiveStatus: string | null;
  /** Details, when the selection had to read them (`--sample-ids`). */
  detail?: SampleDetail;
}

export interface Selection {
  samples: SelectedSample[];
  archived: SelectedSample[];
  /** Samples left out by the status or `since` filter. */
  skipped: DownloadSampleOutcome[];
}

export interface SelectOptions {
  projectId?: string;
  sampleIds?: readonly string[];
  status: DownloadStatusFilter;
  since?: Date;
  signal?: AbortSignal;
  emit: (event: DownloadEvent) => void;
}

/** Whether the `--status` filter admits an analysis status. `all` = the official client's test. */
export function statusAdmits(filter: DownloadStatusFilter, status: string | null | undefined) {
  const phase = analysisPhase(status);
  switch (filter) {
    case 'succeeded':
      return phase === 'succeeded';
    case 'completed':
      return phase === 'succeeded' || phase === 'failed-qc';
    case 'failed':
      return phase === 'failed-qc' || phase === 'failed';
    default:
      return /^(succeeded|failed)/i.test(status ?? '');
  }
}

/** Validates and de-duplicates `--sample-ids` (the official client neither validates nor dedupes). */
export function normalizeSampleIds(ids: readonly string[]): string[] {
  if (ids.length === 0) throw new InvalidArgumentError('sampleIds', '--sample-ids is empty');
  return [...new Set(ids.map((id, i) => normalizeUuid(id, `sampleIds[${i}]`)))];
}

function view(sample: SampleListItem | SampleDetail, project?: string): SelectedSample {
  return {
    id: sample.id,
    clientId: sample.client_id ?? '',
    project: (typeof sample.project === 'string' ? sample.project : undefined) ?? project,
    status: sample.last_status?.status ?? null,
    statusCreated: sample.last_status?.created ?? null,
    archiveStatus: sample.archive_last_status?.status ?? null,
    ...('files' in sample ? { detail: sample as SampleDetail } : {}),
  };
}

const time = (value: string | null | undefined): number | undefined => {
  if (!value) return undefined;
  try {
    return parseGencoveTimestamp(value).getTime();
  } catch {
    return undefined;
  }
};

/**
 * Resolves the samples of a run: a project's visible samples (all pages, newest change first) or
 * the given ids (read once each, in the given order), then the status and `since` filters, then
 * splits off archived ones. No transfer starts before this is complete.
 */
export async function selectSamples(api: DownloadApi, options: SelectOptions): Promise<Selection> {
  const selection: Selection = { samples: [], archived: [], skipped: [] };
  const since = options.since?.getTime();
  // Explicit ids get one warning each; a project's in-progress samples one summary line.
  const perSampleWarnings = !options.projectId;
  const filtered = new Map<string, number>();
  const consider = (sample: SelectedSample) => {
    const skip = (outcome: DownloadSampleOutcome['outcome']) =>
      selection.skipped.push({
        id: sample.id,
        clientId: sample.clientId,
        status: sample.status,
        statusCreated: sample.statusCreated,
        outcome,
        files: 0,
      });
    if (!statusAdmits(options.status, sample.status)) {
      skip('skipped-status');
      const key = sample.status ?? 'unknown';
      filtered.set(key, (filtered.get(key) ?? 0) + 1);
      if (perSampleWarnings) {
        options.emit({
          type: 'warning',
          code: statusAdmits('all', sample.status) ? 'status-filtered' : 'no-deliverables',
          sampleId: sample.id,
          message: statusAdmits('all', sample.status)
            ? `Sample ${sample.id} (${sample.clientId}) is "${sample.status}", not selected by --status ${options.status}; skipped.`
            : `Sample ${sample.id} (${sample.clientId}) has no deliverables yet (status "${key}"); skipped.`,
        });
      }
      return;
    }
    if (since !== undefined && (time(sample.statusCreated) ?? Number.NEGATIVE_INFINITY) < since) {
      skip('skipped-since');
      return;
    }
    // A missing archive status (seen for deleted samples) is tried rather than refused.
    if (sample.archiveStatus !== null && !isAvailableArchiveStatus(sample.archiveStatus)) {
      selection.archived.push(sample);
      return;
    }
    selection.samples.push(sample);
  };

  if (options.projectId) {
    const projectId = normalizeUuid(options.projectId, 'projectId');
    const listing = api.listProjectSamples(projectId, {
      // Server-side narrowing only where its meaning is certain; the filter above decides.
      status: options.status === 'succeeded' ? 'succeeded' : 'all',
      archiveStatus: 'all',
      hiddenStatus: 'visible',
      sortBy: 'modified',
      sortOrder: 'desc',
      ...(options.signal ? { signal: options.signal } : {}),
    });
    for await (const item of listing) {
      // Newest change first: once `modified` is older than `since`, so is every status after it.
      const modified = time(item.modified);
      if (since !== undefined && modified !== undefined && modified < since) break;
      consider(view(item, projectId));
    }
    if (filtered.size > 0) {
      const counts = [...filtered].map(([status, n]) => `${n} "${status}"`).join(', ');
      options.emit({
        type: 'warning',
        code: 'status-filtered',
        message: `Skipped samples not selected by --status ${options.status}: ${counts}.`,
      });
    }
    return selection;
  }

  const ids = normalizeSampleIds(options.sampleIds ?? []);
  const limit = pLimit(8);
  const details = await Promise.all(
    ids.map((id) => limit(() => api.getSample(id, { signal: options.signal }))),
  );
  for (const detail of details) consider(view(detail));
  return selection;
}

export function archivedView(samples: readonly SelectedSample[]): ArchivedSample[] {
  return samples.map((s) => ({
    id: s.id,
    clientId: s.clientId,
    project: s.project,
    archiveStatus: s.archiveStatus ?? 'unknown',
  }));
}

/**
 * A selection with nothing to deliver (a quiet night of a `since` schedule) is a warning, not a
 * failure (our decision on spec §9.1), for files and for `--download-urls` alike.
 */
export const NO_FILES_WARNING: DownloadEvent = {
  type: 'warning',
  code: 'no-files',
  message: 'No files were found for the selected samples and file types.',
};
