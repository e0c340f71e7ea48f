import { createHash } from 'node:crypto';
import { once, setMaxListeners } from 'node:events';
import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { finished } from 'node:stream/promises';
import { Agent } from 'undici';
import { InvalidArgumentError, NotFoundError } from '../../errors.js';
import type { RetryPolicyOptions } from '../../http/retry.js';
import { RetryPolicy } from '../../http/retry.js';
import { TransferBudget } from '../../transfer/budget.js';
import { normalizeUuid } from '../../validate.js';
import { isAvailableArchiveStatus } from '../status/vocabulary.js';
import { type DownloadApi, deliverFile, sidecarText } from './deliver-file.js';
import { DEFAULT_TUNING, type TransferTuning } from './disk-transfer.js';
import { ArchivedSamplesError, DownloadInputError } from './errors.js';
import { METADATA_FILE_TYPE, QC_FILE_TYPE } from './file-types.js';
import { DEFAULT_DOWNLOAD_BUFFER_BYTES, DEFAULT_TRANSFER_TIMEOUT_MS } from './job.js';
import { isSpecialFile, writeFileAtomic } from './local-files.js';
import { formatMetadataDownloadFile, formatQcJson } from './sample-json.js';
import { SampleUrls } from './source.js';
import type { DownloadEvent, FileOutcome } from './types.js';

export type DownloadFileApi = Pick<
  DownloadApi,
  'getSample' | 'getSampleQc' | 'getSampleMetadata' | 'getFileChecksum'
>;

export interface DownloadFileOptions {
  sampleId: string;
  /** A deliverable key of the sample, or `qc` / `metadata`. */
  fileType: string;
  /** A file path, or a stream (`-` on the command line). */
  destination: string | NodeJS.WritableStream;
  /** Write `<destination>.sha256` from the API (spec §10); ignored for streams. */
  checksum?: boolean;
  /** Compute and compare the sha256 while streaming. Default true. */
  verify?: boolean;
  budget?: TransferBudget;
  tuning?: Partial<TransferTuning>;
  retry?: Partial<RetryPolicyOptions>;
  timeoutMs?: number;
  signal?: AbortSignal;
  onEvent?: (event: DownloadEvent) => void;
}

/**
 * `gencove samples download-file`: one deliverable (or the QC / metadata JSON) of one sample to a
 * path or a stream, with the same resumable, verified transfer as `download`.
 */
export async function downloadSampleFile(
  api: DownloadFileApi,
  options: DownloadFileOptions,
): Promise<FileOutcome> {
  const sampleId = normalizeUuid(options.sampleId, 'sampleId');
  const fileType = options.fileType.trim();
  if (!fileType) throw new InvalidArgumentError('fileType', 'FILE_TYPE is empty');
  if (typeof options.destination === 'string') {
    const existing = await stat(options.destination).catch(() => undefined);
    if (existing?.isDirectory()) {
      throw new DownloadInputError(
        'DESTINATION',
        `DESTINATION ${options.destination} is a directory; give the file path to write.`,
      );
    }
  }
  // A device or pipe (/dev/null, `>(cmd)`) is written into like a stream, never replaced.
  const special =
    typeof options.destination === 'string' && (await isSpecialFile(options.destination))
      ? createWriteStream(options.destination, { flags: 'w' })
      : undefined;
  // Its errors (EPIPE from a reader that went away) reach us through `finished` / the transfer.
  special?.on('error', () => {});
  try {
    const outcome = await downloadTo(api, options, sampleId, fileType, special);
    if (special) {
      special.end();
      await finished(special);
    }
    return outcome;
  } catch (error) {
    special?.destroy();
    throw error;
  }
}

async function downloadTo(
  api: DownloadFileApi,
  options: DownloadFileOptions,
  sampleId: string,
  fileType: string,
  special: NodeJS.WritableStream | undefined,
): Promise<FileOutcome> {
  const destination = special ?? options.destination;
  const emit = (event: DownloadEvent) => {
    try {
      options.onEvent?.(event);
    } catch {
      // a listener must not break the transfer
    }
  };
  // Our own signal (linked to the caller's), so raising its listener limit touches nothing of theirs.
  const signal = AbortSignal.any(options.signal ? [options.signal] : []);
  setMaxListeners(0, signal);
  let sample: Awaited<ReturnType<DownloadFileApi['getSample']>>;
  try {
    sample = await api.getSample(sampleId, { signal });
  } catch (error) {
    if (error instanceof NotFoundError) {
      error.message += ' (SAMPLE_ID must be a Gencove sample id, not a client id.)';
    }
    throw error;
  }
  const archive = sample.archive_last_status?.status;
  if (archive && !isAvailableArchiveStatus(archive)) {
    throw new ArchivedSamplesError(
      [
        {
          id: sample.id,
          clientId: sample.client_id ?? '',
          project: sample.project ?? undefined,
          archiveStatus: archive,
        },
      ],
      'restore-only',
    );
  }
  const target = typeof destination === 'string' ? resolve(destination) : '-';
  const clientId = sample.client_id ?? '';

  if (fileType === QC_FILE_TYPE || fileType === METADATA_FILE_TYPE) {
    const text =
      fileType === QC_FILE_TYPE
        ? formatQcJson(await api.getSampleQc(sampleId, { signal }))
        : formatMetadataDownloadFile(await api.getSampleMetadata(sampleId, { signal }));
    if (typeof destination === 'string') await writeFileAtomic(target, text);
    else if (!destination.write(text)) await once(destination, 'drain', { signal });
    const outcome: FileOutcome = {
      sampleId,
      clientId,
      fileType,
      target,
      outcome: 'downloaded',
      bytes: Buffer.byteLength(text),
      fetchedBytes: 0,
      resumedBytes: 0,
      sha256: createHash('sha256').update(text).digest('hex'),
      verified: false,
    };
    emit({ type: 'file-done', ...outcome });
    return outcome;
  }

  const file = sample.files.find((f) => f.file_type === fileType);
  if (!file) {
    const valid = [
      ...new Set(sample.files.map((f) => f.file_type).filter(Boolean)),
      QC_FILE_TYPE,
      METADATA_FILE_TYPE,
    ];
    throw new DownloadInputError(
      'FILE_TYPE',
      `Sample ${sampleId} has no ${JSON.stringify(fileType)} file; valid file types: ${valid.join(', ')}.`,
    );
  }
  if (!file.download_url) {
    throw new NotFoundError(`The ${fileType} file of sample ${sampleId} has no download URL.`);
  }
  const budget =
    options.budget ?? new TransferBudget({ maxBufferBytes: DEFAULT_DOWNLOAD_BUFFER_BYTES });
  const dispatcher = new Agent({
    connections: budget.connections.capacity + 2,
    keepAliveTimeout: 10_000,
  });
  try {
    const urls = new SampleUrls(
      sample,
      (id, s) => api.getSample(id, { signal: s ?? signal }),
      (id) => emit({ type: 'url-refresh', sampleId: id }),
    );
    const outcome = await deliverFile(
      {
        sampleId,
        clientId,
        fileType,
        kind: 'deliverable',
        target,
        file,
        source: urls.source(
          file,
          typeof destination === 'string' ? destination : `${sampleId} ${fileType}`,
        ),
      },
      {
        api: api as DownloadApi,
        sink:
          typeof destination === 'string'
            ? { kind: 'disk', root: dirname(target) }
            : { kind: 'stream', stream: destination },
        budget,
        tuning: { ...DEFAULT_TUNING, ...options.tuning },
        fetch: {
          dispatcher,
          retry: new RetryPolicy({ maxAttempts: 8, maxElapsedMs: 300_000, ...options.retry }),
          timeoutMs: options.timeoutMs ?? DEFAULT_TRANSFER_TIMEOUT_MS,
          signal,
        },
        signal,
        skipExisting: false,
        verifyExisting: false,
        hash: options.verify ?? true,
        checksums: false,
        emit,
        onFetched: () => {},
      },
    );
    if (options.checksum && special) {
      emit({
        type: 'warning',
        code: 'checksum-unavailable',
        sampleId,
        message: `${options.destination as string} is a device or pipe, not a file: no .sha256 file was written.`,
      });
    }
    if (options.checksum && typeof destination === 'string') {
      // Spec §10: the `filename` is the destination as given, so `sha256sum -c` works from here.
      // (Not for a device or pipe: there is no file to check.)
      const text = await sidecarText(
        api,
        file.id,
        destination,
        outcome.sha256,
        { sampleId, target: destination },
        emit,
        signal,
      );
      if (text !== undefined) {
        await writeFileAtomic(`${target}.sha256`, text);
        outcome.checksumFile = `${target}.sha256`;
      }
    }
    emit({ type: 'file-done', ...outcome });
    return outcome;
  } finally {
    await dispatcher.close().catch(() => {});
  }
}
