/**
 * `gencove upload SOURCE [DESTINATION]` (spec §3, §6): flags → pre-flight plan → core upload job
 * → progress and result. URL map files are handed to the URL import (spec §4).
 */
import {
  defaultCacheDir,
  MAP_FILE_SUFFIX,
  parseMapFile,
  planUpload,
  type UploadEvent,
  type UploadPlan,
  UploadPlanError,
  type UploadResult,
  uploadFastqs,
} from '@gencove/core';
import { Command } from 'commander';
import { jsonArg, uuidArg } from '../args.js';
import { writeAssignmentOutput } from '../assignment-output.js';
import { type AuthOptions, withClient } from '../context.js';
import { tsv } from '../format.js';
import { type Io, info, warn, writeNdjson, writeOut } from '../io.js';
import { addAuthOptions, addProgressOptions } from '../options.js';
import { formatBytes } from '../render/byte-units.js';
import {
  createTransferRenderer,
  type TransferRenderer,
  type TransferRenderMode,
} from '../render/transfer-progress.js';
import { UsageError } from '../usage-error.js';
import { runUrlImport } from './import-urls.js';

const MAX_CONCURRENCY = 64;

interface UploadCommandOptions extends AuthOptions {
  runProjectId?: string;
  metadata?: string;
  output?: string;
  concurrency?: string;
  dryRun?: boolean;
  progress?: boolean;
  json?: boolean;
  expiryMargin?: string;
  strictExpiry?: boolean;
  checkUrls?: boolean;
}

interface UploadFlags {
  projectId?: string;
  metadata?: unknown;
  output?: string;
  concurrency?: number;
}

export function uploadCommand(io: Io): Command {
  const command = new Command('upload')
    .description(
      'upload FASTQ files from a directory or a *.fastq-map.csv to a gncv:// folder — many files and parts at once, resumable, safe to re-run — and optionally assign them to a project',
    )
    .argument('<source>', 'directory scanned recursively, or a *.fastq-map.csv map file')
    .argument('[destination]', 'gncv:// folder (default: a generated gncv://cli-<time>-<id>/)')
    .option('--run-project-id <uuid>', 'assign the uploaded samples to this project')
    .option('--metadata <json>', 'JSON metadata for every assigned sample (needs --run-project-id)')
    .option(
      '--output <path>',
      'write the assigned samples as JSON to this file, "-" for stdout (needs --run-project-id)',
    )
    .option('--concurrency <n>', 'requests in flight at once across all files (default 16)')
    .option('--dry-run', 'check everything and print the plan; upload nothing')
    .option(
      '--expiry-margin <duration>',
      'URL map files: warn when a signed URL expires within this margin',
      '24h',
    )
    .option('--strict-expiry', 'URL map files: refuse URLs that expire within the margin')
    .option('--check-urls', 'URL map files: check that every URL is reachable first');
  addProgressOptions(addAuthOptions(command));
  return command.action(
    async (source: string, destination: string | undefined, options: UploadCommandOptions) => {
      const flags = readFlags(options);
      if (source.endsWith(MAP_FILE_SUFFIX) && (await parseMapFile(source)).kind === 'url') {
        await runUrlImport(io, {
          source,
          ...(destination !== undefined ? { destination } : {}),
          options: options as Record<string, unknown>,
        });
        return;
      }
      const plan = await planUpload({
        source,
        ...(destination !== undefined ? { destination } : {}),
      });
      const json = options.json === true;
      reportProblems(io, plan, json);
      if (plan.problems.some((p) => p.severity === 'error'))
        throw new UploadPlanError(plan.problems);
      if (options.dryRun) return reportPlan(io, plan, json);
      if (plan.destinationGenerated && !json) info(io, `Destination: ${plan.destination}`);

      const renderer = createTransferRenderer(io, {
        mode: renderMode(io, options),
        label: 'Uploading',
      });
      try {
        const result = await withClient(options, io, (client) =>
          uploadFastqs(client, {
            plan,
            cacheDir: defaultCacheDir(io.env),
            ...(flags.projectId !== undefined ? { runProjectId: flags.projectId } : {}),
            ...(flags.metadata !== undefined ? { metadata: flags.metadata } : {}),
            ...(flags.concurrency !== undefined ? { concurrency: flags.concurrency } : {}),
            onEvent: (event) => {
              if (json && event.type !== 'file-progress') writeNdjson(io, event);
              forward(renderer, event);
            },
          }),
        );
        renderer.stop();
        await reportResult(io, flags, result, json);
      } finally {
        renderer.stop();
      }
    },
  );
}

function readFlags(options: UploadCommandOptions): UploadFlags {
  if (
    options.runProjectId === undefined &&
    (options.metadata !== undefined || options.output !== undefined)
  ) {
    throw new UsageError(
      '--metadata and --output can only be used together with --run-project-id.',
    );
  }
  if (options.json && options.output === '-') {
    throw new UsageError(
      '--output - cannot be combined with --json: both write to stdout (the JSON result includes the samples).',
    );
  }
  let concurrency: number | undefined;
  if (options.concurrency !== undefined) {
    concurrency = Number(options.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY) {
      throw new UsageError(
        `--concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}; got "${options.concurrency}".`,
      );
    }
  }
  return {
    ...(options.runProjectId !== undefined
      ? { projectId: uuidArg('--run-project-id', options.runProjectId) }
      : {}),
    ...(options.metadata !== undefined
      ? { metadata: jsonArg('--metadata', options.metadata) }
      : {}),
    ...(options.output !== undefined ? { output: options.output } : {}),
    ...(concurrency !== undefined ? { concurrency } : {}),
  };
}

function renderMode(io: Io, options: UploadCommandOptions): TransferRenderMode {
  if (options.json) return 'json';
  if (options.progress === false) return 'silent';
  return io.stderr.isTTY ? 'tty' : 'plain';
}

/** Core events → generic transfer progress. */
function forward(renderer: TransferRenderer, event: UploadEvent): void {
  switch (event.type) {
    case 'reserved':
      renderer.handle({ type: 'start', files: event.files - event.skipped, bytes: event.bytes });
      return;
    case 'file-start':
      renderer.handle({
        type: 'file-start',
        id: event.file,
        name: event.label,
        size: event.size,
        doneBytes: event.resumedBytes,
      });
      return;
    case 'file-progress':
      renderer.handle({ type: 'bytes', id: event.file, bytes: event.bytes });
      return;
    case 'file-done':
      renderer.handle({
        type: 'file-end',
        id: event.file,
        status: 'done',
        ...(event.resumedBytes > 0
          ? { note: `resumed, ${formatBytes(event.resumedBytes)} were already sent` }
          : {}),
      });
      return;
    case 'file-skipped':
      renderer.handle({ type: 'note', text: `  already uploaded: ${event.label}` });
      return;
    case 'file-retry':
      renderer.handle({
        type: 'note',
        text: `  retrying (${event.reason}) ${event.operation} ${event.destinationPath} in ${Math.ceil(event.delayMs / 1000)} s: ${event.error}`,
      });
      return;
    case 'resume-discarded':
      renderer.handle({
        type: 'note',
        text: `  cannot resume ${event.label} (${event.reason}); starting it over`,
      });
      return;
    case 'credentials':
      if (event.refreshed)
        renderer.handle({ type: 'note', text: '  refreshed the upload credentials' });
      return;
    case 'assign-waiting':
      renderer.handle({
        type: 'note',
        text: `Waiting for the uploads to appear in the sample sheet (${event.found}/${event.expected})…`,
      });
      return;
    case 'assign-already-assigned':
      renderer.handle({
        type: 'note',
        text: `${event.uploads.length} uploads were already assigned by an earlier run; not assigning them again.`,
      });
      return;
    case 'assign-foreign-upload':
      renderer.handle({
        type: 'note',
        text: `Sample ${event.clientId} also holds upload ${event.upload}, which this run did not upload.`,
      });
      return;
    case 'assign-batch':
      renderer.handle({
        type: 'note',
        text: `Assigned batch ${event.batch}/${event.batches} (${event.samples} samples).`,
      });
      return;
    default:
      return;
  }
}

function reportProblems(io: Io, plan: UploadPlan, json: boolean): void {
  if (json) {
    for (const problem of plan.problems) writeNdjson(io, { type: 'problem', ...problem });
    return;
  }
  for (const p of plan.problems) if (p.severity === 'warning') warn(io, p.message);
  if (plan.ignored.length > 0)
    info(
      io,
      `Ignored ${plan.ignored.length} file${plan.ignored.length === 1 ? '' : 's'} that are not FASTQ (.fastq.gz, .fq.gz, .fastq.bgz, .fq.bgz).`,
    );
}

/** Dry run: the plan as tab-separated rows on stdout (file / sample / total), a summary on stderr. */
function reportPlan(io: Io, plan: UploadPlan, json: boolean): void {
  if (json) {
    writeNdjson(io, { type: 'result', dryRun: true, ...plan });
    return;
  }
  for (const u of plan.uploads) {
    writeOut(io, tsv(['file', u.sources.map((s) => s.path).join('+'), u.destinationPath, u.size]));
  }
  for (const s of plan.samples) writeOut(io, tsv(['sample', s.clientId, s.r1 ?? '', s.r2 ?? '']));
  writeOut(io, tsv(['total', plan.uploads.length, plan.totalBytes]));
  info(
    io,
    `Dry run: ${plan.uploads.length} files (${formatBytes(plan.totalBytes)}) → ${plan.samples.length} samples under ${plan.destination}; nothing was uploaded.`,
  );
}

async function reportResult(
  io: Io,
  flags: UploadFlags,
  result: UploadResult,
  json: boolean,
): Promise<void> {
  if (flags.output !== undefined && result.assigned) {
    await writeAssignmentOutput(io, flags.output, result.assigned);
  }
  if (json) {
    writeNdjson(io, { type: 'result', ...result });
    return;
  }
  const count = (outcome: string) => result.files.filter((f) => f.outcome === outcome).length;
  const details = [
    `${formatBytes(result.bytesSent)} sent`,
    count('already-uploaded') ? `${count('already-uploaded')} already uploaded` : '',
    count('resumed') ? `${count('resumed')} resumed` : '',
  ].filter(Boolean);
  const assigned = result.assigned
    ? `; ${result.assigned.length} samples in project ${flags.projectId}`
    : `; assign them with: gencove projects run-prefix PROJECT_ID ${result.destination}`;
  info(
    io,
    `Uploaded ${result.files.length} files to ${result.destination} (${details.join(', ')})${assigned}.`,
  );
}
