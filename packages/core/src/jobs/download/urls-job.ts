import { once } from 'node:events';
import { stat, writeFile } from 'node:fs/promises';
import pLimit from 'p-limit';
import { InvalidArgumentError } from '../../errors.js';
import { parseGencoveTimestamp } from '../../timestamps.js';
import type { DownloadApi } from './deliver-file.js';
import {
  type DownloadUrlsEntry,
  downloadUrlsEntry,
  formatDownloadUrlsJson,
} from './download-urls.js';
import { ArchivedSamplesError, DownloadInputError } from './errors.js';
import { createFileTypeFilter, validateFileTypes } from './file-types.js';
import { isSpecialFile, writeFileAtomic } from './local-files.js';
import { restoreAndWait } from './restore.js';
import { archivedView, NO_FILES_WARNING, selectSamples } from './select.js';
import {
  laterTimestamp,
  nextHighWaterMark,
  readSinceState,
  writeSinceState,
} from './since-state.js';
import { DOWNLOAD_STATUS_FILTERS, type DownloadEvent, type SelectionOptions } from './types.js';

export interface DownloadUrlsOptions extends SelectionOptions {
  /** A JSON file (parents created, written atomically) or a stream (`-`). */
  output: string | NodeJS.WritableStream;
}

export interface DownloadUrlsResult {
  entries: DownloadUrlsEntry[];
  highWaterMark?: string;
  warnings: string[];
}

/**
 * `gencove download --download-urls`: the spec §9.8 JSON of the selected samples' files (no
 * bytes are transferred). The `since` state file, if any, advances once the JSON is written.
 */
export async function writeDownloadUrls(
  api: DownloadApi,
  options: DownloadUrlsOptions,
): Promise<DownloadUrlsResult> {
  const warnings: string[] = [];
  const emit = (event: DownloadEvent) => {
    if (event.type === 'warning') warnings.push(event.message);
    try {
      options.onEvent?.(event);
    } catch {
      // ignore listener errors
    }
  };
  if (Boolean(options.projectId) === Boolean(options.sampleIds)) {
    throw new InvalidArgumentError('selection', 'give exactly one of projectId and sampleIds');
  }
  const status = options.status ?? 'succeeded';
  if (!DOWNLOAD_STATUS_FILTERS.includes(status)) {
    throw new InvalidArgumentError(
      'status',
      `status must be one of ${DOWNLOAD_STATUS_FILTERS.join(', ')}`,
    );
  }
  const filter = createFileTypeFilter(options.fileTypes);
  if (typeof options.output === 'string' && (await isDirectory(options.output))) {
    throw new DownloadInputError(
      'DESTINATION',
      `With --download-urls, DESTINATION is the JSON file to write; ${options.output} is a directory.`,
    );
  }
  const previousMark = options.sinceStateFile
    ? (await readSinceState(options.sinceStateFile))?.highWaterMark
    : undefined;
  const since = options.since ?? (previousMark ? parseGencoveTimestamp(previousMark) : undefined);
  const { signal } = options;
  if (filter.requested) {
    const known = await api
      .listFileTypes({ ...(options.projectId ? { projectId: options.projectId } : {}), signal })
      .catch((error: Error) => {
        emit({
          type: 'warning',
          code: 'file-types-unavailable',
          message: `Could not read the list of file types (${error.message}); --file-types is not checked.`,
        });
        return undefined;
      });
    if (known)
      validateFileTypes(
        filter.requested,
        known.map((t) => t.key),
      );
  }
  const selection = await selectSamples(api, {
    ...(options.projectId ? { projectId: options.projectId } : {}),
    ...(options.sampleIds ? { sampleIds: options.sampleIds } : {}),
    status,
    ...(since ? { since } : {}),
    ...(signal ? { signal } : {}),
    emit,
  });
  const samples = [...selection.samples];
  if (selection.archived.length > 0) {
    if (options.restore) {
      const restore = typeof options.restore === 'object' ? options.restore : {};
      await restoreAndWait(api, selection.archived, {
        ...restore,
        ...(signal ? { signal } : {}),
        emit,
      });
      samples.push(...selection.archived.map(({ detail: _, ...s }) => s));
    } else if (options.skipArchived) {
      emit({
        type: 'warning',
        code: 'archived-skipped',
        message: `Skipped ${selection.archived.length} archived sample(s).`,
      });
    } else {
      throw new ArchivedSamplesError(archivedView(selection.archived));
    }
  }
  const limit = pLimit(8);
  const details = await Promise.all(
    samples.map((s) => limit(async () => s.detail ?? api.getSample(s.id, { signal }))),
  );
  const entries = details.map((d) => downloadUrlsEntry(d, filter));
  if (entries.every((e) => Object.keys(e.files).length === 0)) emit(NO_FILES_WARNING);
  const text = `${formatDownloadUrlsJson(entries)}\n`;
  if (typeof options.output === 'string') {
    // A device or pipe (/dev/stdout, `>(cmd)`) is written into, never replaced by a rename.
    if (await isSpecialFile(options.output)) await writeFile(options.output, text);
    else await writeFileAtomic(options.output, text);
  } else if (!options.output.write(text)) await once(options.output, 'drain');
  const highWaterMark = nextHighWaterMark(
    undefined,
    details.map((d) => d.last_status?.created),
    options.restore ? [] : selection.archived.map((s) => s.statusCreated),
  );
  if (options.sinceStateFile) {
    const mark = laterTimestamp(previousMark, highWaterMark);
    if (mark && mark !== previousMark) await writeSinceState(options.sinceStateFile, mark);
  }
  return { entries, ...(highWaterMark ? { highWaterMark } : {}), warnings };
}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}
