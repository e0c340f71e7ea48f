/**
 * `gencove download DESTINATION` (spec §9): flags → core download job (or the --download-urls
 * JSON) → progress and a summary. DESTINATION is a directory, s3://bucket/prefix, or "-".
 */
import { existsSync } from 'node:fs';
import {
  DEFAULT_DOWNLOAD_TEMPLATE,
  DOWNLOAD_STATUS_FILTERS,
  type DownloadEvent,
  DownloadFailedError,
  type DownloadOptions,
  type DownloadResult,
  downloadDeliverables,
  isGencoveTimestamp,
  parseGencoveTimestamp,
  parseS3Destination,
  type SelectionOptions,
  writeDownloadUrls,
} from '@gencove/core';
import { Command } from 'commander';
import { choiceArg, listArg, uuidArg } from '../args.js';
import { type AuthOptions, withClient } from '../context.js';
import { parseDuration } from '../duration.js';
import { type Io, info, interruptSignal, warn, writeNdjson } from '../io.js';
import { addAuthOptions, addProgressOptions } from '../options.js';
import { formatBytes, formatDuration } from '../render/byte-units.js';
import {
  createTransferRenderer,
  type TransferRenderer,
  type TransferRenderMode,
} from '../render/transfer-progress.js';
import { UsageError } from '../usage-error.js';

interface DownloadCommandOptions extends AuthOptions {
  projectId?: string;
  sampleIds?: string;
  fileTypes?: string;
  downloadTemplate: string;
  skipExisting: boolean;
  verifyExisting?: boolean;
  downloadUrls?: boolean;
  checksums?: boolean;
  status: string;
  since?: string;
  skipArchived?: boolean;
  restore?: boolean;
  restoreTimeout: string;
  endpointUrl?: string;
  region?: string;
  concurrency?: string;
  parallelFiles?: string;
  verify: boolean;
  progress: boolean;
  json?: boolean;
}

const HELP = `
DESTINATION is a directory (created as needed), s3://bucket/prefix (your own AWS credentials
from the default provider chain; --endpoint-url for S3-compatible stores), or "-" to stream
exactly one file to stdout. With --download-urls, DESTINATION is the JSON file to write ("-" =
stdout) and no file is downloaded.

Every file is checked against the API's sha256 while it streams (a mismatch is fetched once
more, then reported with exit code 6 and nothing kept). Transfers go to <name>.part and are
renamed when complete; an interrupted run resumes from the .part files. Existing files of the
same size are skipped (--verify-existing also compares their sha256).

--since accepts an ISO time (2026-01-05T00:00:00Z), a duration back from now (36h), or the path
of a state file (a new one must end in .json): a nightly job reads it, fetches only samples whose
status changed since, and updates it after a fully successful run.

Naming placeholders: {client_id} {gencove_id} {file_type} {file_extension} {default_filename}.`;

export function downloadCommand(io: Io): Command {
  const command = new Command('download')
    .description(
      'download the deliverables of a project or of samples to a directory, an S3 bucket or stdout — several files at once, verified, resumable',
    )
    .argument('<destination>', 'directory, s3://bucket/prefix, or "-"')
    .option('--project-id <uuid>', 'every visible sample of this project')
    .option('--sample-ids <ids>', 'these samples (comma-separated UUIDs)')
    .option('--file-types <types>', 'deliverable keys, comma-separated; "key*" selects a prefix')
    .option('--download-template <template>', 'naming template', DEFAULT_DOWNLOAD_TEMPLATE)
    .option('--skip-existing', 'skip files already there with the same size (default)')
    .option('--no-skip-existing', 'download every file again')
    .option('--verify-existing', 'skip an existing file only when its sha256 matches too')
    .option('--download-urls', 'write the download URLs as JSON to DESTINATION instead')
    .option('--checksums', 'write a <file>.sha256 next to every file (sha256sum format)')
    .option(
      '--status <status>',
      `samples to deliver: ${DOWNLOAD_STATUS_FILTERS.join('|')}`,
      'succeeded',
    )
    .option('--since <time|duration|state-file>', 'only samples whose status changed since then')
    .option('--skip-archived', 'skip archived samples with a warning instead of failing')
    .option('--restore', 'restore archived samples, wait for the restore, then download them')
    .option('--restore-timeout <duration>', 'longest wait for --restore', '24h')
    .option('--endpoint-url <url>', 'S3-compatible endpoint for an s3:// DESTINATION')
    .option('--region <region>', 'AWS region for an s3:// DESTINATION (default: AWS_REGION)')
    .option('--concurrency <n>', 'requests in flight at once across all files (default 16)')
    .option('--parallel-files <n>', 'files transferred at once (default 8)')
    .option('--no-verify', 'do not compute sha256 (faster on slow CPUs; nothing is checked)')
    .addHelpText('after', HELP);
  addProgressOptions(addAuthOptions(command));
  return command.action(async (destination: string, options: DownloadCommandOptions) => {
    const selection = readSelection(options);
    const json = options.json === true;
    if (destination === '-' && json) {
      throw new UsageError(
        'DESTINATION "-" writes data to stdout; it cannot be combined with --json.',
      );
    }
    if (options.downloadUrls) {
      const reporter = createReporter(io, json);
      await withClient(options, io, async (client) => {
        const result = await writeDownloadUrls(client, {
          ...selection,
          output: destination === '-' ? io.stdout : destination,
          onEvent: (event) => reporter.report(event),
        });
        if (json) {
          // The URLs went to DESTINATION; repeating them here would copy presigned signatures
          // into whatever collects stdout (CI logs).
          writeNdjson(io, {
            type: 'result',
            output: destination,
            samples: result.entries.map((e) => ({
              gencove_id: e.gencove_id,
              client_id: e.client_id,
              fileTypes: Object.keys(e.files),
            })),
            ...(result.highWaterMark ? { highWaterMark: result.highWaterMark } : {}),
            warnings: result.warnings,
          });
        } else if (destination !== '-') {
          info(
            io,
            `Wrote the download URLs of ${result.entries.length} samples to ${destination}.`,
          );
        }
      });
      return;
    }
    const transfer = readTransferOptions(destination, options);
    if (transfer.destination !== io.stdout && parseS3Destination(destination)) {
      // The SDK warns on stderr about its future Node requirement; engines (>= 20.18) is ours to state.
      process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    }
    const renderer = createTransferRenderer(io, {
      mode: renderMode(io, options),
      label: 'Downloading',
    });
    const progress = progressForwarder(renderer);
    // Through the renderer: on a terminal the bars would redraw over warnings written beside them.
    const reporter = createReporter(io, json, (text) => renderer.handle({ type: 'warning', text }));
    // Ctrl-C aborts the job: S3 multipart uploads are aborted, `.part` files stay resumable.
    const stop = interruptSignal(io);
    try {
      const result = await withClient(options, io, (client) =>
        downloadDeliverables(client, {
          ...selection,
          ...transfer,
          destination: destination === '-' ? io.stdout : destination,
          ...(stop ? { signal: stop } : {}),
          onEvent: (event) => {
            progress(event);
            reporter.report(event);
          },
        }),
      );
      renderer.stop();
      reporter.finish();
      summarize(io, result, json);
    } catch (error) {
      renderer.stop();
      reporter.finish();
      if (error instanceof DownloadFailedError && error.result) {
        summarize(io, error.result as DownloadResult, json);
      }
      throw error;
    }
  });
}

function readSelection(options: DownloadCommandOptions): SelectionOptions {
  if ((options.projectId === undefined) === (options.sampleIds === undefined)) {
    throw new UsageError('Give exactly one of --project-id and --sample-ids.');
  }
  const fileTypes = options.fileTypes === undefined ? undefined : listArg(options.fileTypes);
  if (fileTypes?.length === 0) throw new UsageError('--file-types is empty.');
  const sampleIds =
    options.sampleIds === undefined
      ? undefined
      : listArg(options.sampleIds).map((id) => uuidArg('--sample-ids', id));
  if (sampleIds?.length === 0) throw new UsageError('--sample-ids is empty.');
  if (options.restore && options.skipArchived) {
    throw new UsageError('Give --restore or --skip-archived, not both.');
  }
  // checked with or without --restore: a typo is reported, not silently ignored
  const restoreTimeoutMs = parseDuration('--restore-timeout', options.restoreTimeout);
  return {
    ...(options.projectId !== undefined
      ? { projectId: uuidArg('--project-id', options.projectId) }
      : {}),
    ...(sampleIds ? { sampleIds } : {}),
    ...(fileTypes ? { fileTypes } : {}),
    status: choiceArg('--status', options.status, DOWNLOAD_STATUS_FILTERS),
    ...readSince(options.since),
    ...(options.skipArchived ? { skipArchived: true } : {}),
    ...(options.restore ? { restore: { timeoutMs: restoreTimeoutMs } } : {}),
  };
}

/** `--since`: an ISO time, a duration back from now, or else the path of a state file. */
export function readSince(
  value: string | undefined,
  now = Date.now(),
): Pick<SelectionOptions, 'since' | 'sinceStateFile'> {
  if (value === undefined) return {};
  const text = value.trim();
  if (text === '') throw new UsageError('--since is empty.');
  const time = /^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text;
  if (isGencoveTimestamp(time)) {
    try {
      return { since: parseGencoveTimestamp(time) };
    } catch {
      // 2026-13-45, 2026-02-30, 25:00: an impossible time must not become "no lower bound"
      throw new UsageError(`--since is not a valid date and time; got "${value}".`);
    }
  }
  if (/^(\d+(\.\d+)?(ms|s|m|h|d|w))+$/i.test(text)) {
    return { since: new Date(now - parseDuration('--since', text)) };
  }
  // A mistyped time must not silently become a new, empty state file (= no lower bound).
  if (!text.toLowerCase().endsWith('.json') && !existsSync(text)) {
    throw new UsageError(
      `--since must be an ISO time (2026-01-05T00:00:00Z), a duration (36h) or a state file ending in .json; got "${value}".`,
    );
  }
  return { sinceStateFile: text };
}

function positiveInt(name: string, value: string | undefined, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new UsageError(`${name} must be a whole number from 1 to ${max}; got "${value}".`);
  }
  return n;
}

function readTransferOptions(
  destination: string,
  options: DownloadCommandOptions,
): Omit<DownloadOptions, keyof SelectionOptions | 'destination'> & { destination?: unknown } {
  const s3 = parseS3Destination(destination);
  if (!s3 && (options.endpointUrl !== undefined || options.region !== undefined)) {
    throw new UsageError('--endpoint-url and --region apply to an s3://bucket/prefix DESTINATION.');
  }
  if (destination === '-' && options.checksums) {
    throw new UsageError(
      '--checksums writes files next to the downloads; it cannot be used with "-".',
    );
  }
  if (options.endpointUrl !== undefined && !/^https?:\/\//.test(options.endpointUrl)) {
    throw new UsageError(`--endpoint-url must be an http(s) URL; got "${options.endpointUrl}".`);
  }
  const connections = positiveInt('--concurrency', options.concurrency, 256);
  const files = positiveInt('--parallel-files', options.parallelFiles, 64);
  return {
    template: options.downloadTemplate,
    skipExisting: options.skipExisting,
    verifyExisting: options.verifyExisting === true,
    verify: options.verify,
    checksums: options.checksums === true,
    ...(files !== undefined ? { maxConcurrentFiles: files } : {}),
    ...(connections !== undefined ? { maxConnections: connections } : {}),
    ...(s3
      ? {
          s3: {
            ...(options.endpointUrl !== undefined ? { endpoint: options.endpointUrl } : {}),
            ...(options.region !== undefined ? { region: options.region } : {}),
          },
        }
      : {}),
  };
}

function renderMode(io: Io, options: DownloadCommandOptions): TransferRenderMode {
  if (options.json) return 'json';
  if (options.progress === false) return 'silent';
  return io.stderr.isTTY ? 'tty' : 'plain';
}

/** Core download events → the generic transfer renderer (which wants byte deltas). */
function progressForwarder(renderer: TransferRenderer): (event: DownloadEvent) => void {
  const done = new Map<string, number>();
  return (event) => {
    switch (event.type) {
      case 'plan':
        renderer.handle({ type: 'start', files: event.files, bytes: event.bytes });
        return;
      case 'file-start':
        done.set(event.target, event.resumedBytes);
        renderer.handle({
          type: 'file-start',
          id: event.target,
          name: event.target,
          ...(event.bytes !== null ? { size: event.bytes } : {}),
          doneBytes: event.resumedBytes,
        });
        return;
      case 'file-progress': {
        const before = done.get(event.target) ?? 0;
        done.set(event.target, event.doneBytes);
        if (event.doneBytes !== before) {
          renderer.handle({ type: 'bytes', id: event.target, bytes: event.doneBytes - before });
        }
        return;
      }
      case 'checksum-mismatch': {
        // The bytes of the bad attempt are counted again by the next one.
        renderer.handle({ type: 'bytes', id: event.target, bytes: -(done.get(event.target) ?? 0) });
        done.set(event.target, 0);
        renderer.handle({
          type: 'note',
          // the job fetches a file twice at most (core's deliverFile)
          text: `  sha256 mismatch on ${event.target} (attempt ${event.attempt}); ${
            event.attempt >= 2 ? 'giving up' : 'fetching it again'
          }`,
        });
        return;
      }
      case 'file-done': {
        const started = done.has(event.target);
        if (!started && event.outcome === 'skipped') {
          // Not to move after all: out of the total, so that neither the rate nor the bytes
          // shown count it as transferred.
          renderer.handle({ type: 'skip', bytes: event.bytes });
        }
        done.delete(event.target);
        renderer.handle({
          type: 'file-end',
          id: event.target,
          name: event.target,
          status:
            event.outcome === 'downloaded'
              ? 'done'
              : event.outcome === 'skipped'
                ? 'skipped'
                : 'failed',
          ...(event.error
            ? { note: event.error.message.split('\n')[0] }
            : event.outcome === 'skipped'
              ? { note: event.skipReason === 'same-sha256' ? 'same sha256' : 'already there' }
              : event.resumedBytes > 0
                ? { note: `resumed at ${formatBytes(event.resumedBytes)}` }
                : {}),
        });
        return;
      }
      case 'file-retry':
        renderer.handle({
          type: 'note',
          text: `  retrying ${event.target} at byte ${event.offset} in ${Math.ceil(event.delayMs / 1000)} s (${event.reason}${event.status ? ` ${event.status}` : ''})`,
        });
        return;
      case 'url-refresh':
        renderer.handle({
          type: 'note',
          text: `  download URLs of ${event.sampleId} expired; refreshed them`,
        });
        return;
      case 'restore-requested':
        renderer.handle({
          type: 'note',
          text: `Requested the restore of ${event.sampleIds.length} archived sample(s) of project ${event.projectId}; waiting for it…`,
        });
        return;
      case 'restore-done':
        renderer.handle({ type: 'note', text: `Restored ${event.sampleIds.length} sample(s).` });
        return;
      default:
        return;
    }
  };
}

/** Files named in full in "no checksum" warnings; the rest are counted in one closing line. */
const CHECKSUM_WARNINGS_SHOWN = 3;

/**
 * NDJSON events with --json (progress is the renderer's); warnings for people otherwise. A run of
 * hundreds of FASTQs (which have no API checksum) would otherwise print a warning per file.
 */
function createReporter(
  io: Io,
  json: boolean,
  say: (text: string) => void = (text) => warn(io, text),
) {
  let unchecked = 0;
  return {
    report(event: DownloadEvent): void {
      if (json) {
        if (event.type !== 'file-progress' && event.type !== 'done') writeNdjson(io, event);
        return;
      }
      if (event.type !== 'warning') return;
      if (event.code === 'checksum-unavailable' && ++unchecked > CHECKSUM_WARNINGS_SHOWN) return;
      say(event.message);
    },
    finish(): void {
      const more = unchecked - CHECKSUM_WARNINGS_SHOWN;
      if (json || more <= 0) return;
      warn(
        io,
        `${more} more file${more === 1 ? '' : 's'} had no checksum from the API (--json lists each).`,
      );
    },
  };
}

function summarize(io: Io, result: DownloadResult, json: boolean): void {
  if (json) {
    writeNdjson(io, { type: 'result', ...result });
    return;
  }
  const { totals } = result;
  // Deliverables the API has no sha256 for (FASTQ copies) arrive unchecked: say how many.
  const unchecked = result.files.filter(
    (f) => f.outcome === 'downloaded' && f.fileId !== undefined && !f.verified,
  ).length;
  const parts = [
    `${totals.downloaded} downloaded (${formatBytes(totals.fetchedBytes)} fetched${
      unchecked ? `; ${unchecked} not checked: no sha256 from the API or --no-verify` : ''
    })`,
    totals.skipped ? `${totals.skipped} already there` : '',
    totals.failed ? `${totals.failed} FAILED` : '',
  ].filter(Boolean);
  info(
    io,
    `Processed ${totals.samples} sample${totals.samples === 1 ? '' : 's'}, ${totals.files} file${totals.files === 1 ? '' : 's'} → ${result.destination}: ${parts.join(', ')} in ${formatDuration(result.elapsedMs / 1000)}.`,
  );
}
