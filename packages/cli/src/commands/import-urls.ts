/**
 * `gencove upload X.fastq-map.csv` when the map lists URLs (spec §4). The `upload` command owns
 * the flags and calls {@link runUrlImport}; this file turns them into the core job's options and
 * renders its events and result.
 */
import {
  DEFAULT_EXPIRY_MARGIN_MS,
  DEFAULT_IMPORT_CONCURRENCY,
  type ImportEvent,
  importUrls,
  type ParsedMapFile,
  parseMapFile,
  planUrlImport,
  type UrlImportPlan,
  type UrlImportResult,
} from '@gencove/core';
import { jsonArg, uuidArg } from '../args.js';
import { writeAssignmentOutput } from '../assignment-output.js';
import { type AuthOptions, withClient } from '../context.js';
import { parseDuration } from '../duration.js';
import { tsv } from '../format.js';
import { type Io, info, writeNdjson, writeOut } from '../io.js';
import { ImportProgress } from '../render/import-progress.js';
import { UsageError } from '../usage-error.js';

export interface UrlImportArgs {
  /** The `.fastq-map.csv` file whose paths are URLs. */
  source: string;
  destination?: string;
  /**
   * Commander options of the `upload` command: runProjectId, metadata, output, progress, json,
   * expiryMargin, strictExpiry, checkUrls, concurrency, dryRun, host, email, password, apiKey.
   */
  options: Record<string, unknown>;
}

interface ImportFlags {
  projectId?: string;
  metadata?: unknown;
  output?: string;
  progress: boolean;
  json: boolean;
  expiryMarginMs: number;
  strictExpiry: boolean;
  checkUrls: boolean;
  concurrency: number;
  dryRun: boolean;
  auth: AuthOptions;
}

const MAX_CONCURRENCY = 64;

export async function runUrlImport(io: Io, args: UrlImportArgs): Promise<void> {
  const flags = readFlags(args.options);
  const map = await parseMapFile(args.source);
  if (map.kind !== 'url') {
    throw new UsageError(`${args.source} lists local files, not URLs.`);
  }
  const progress = new ImportProgress(io, flags.progress);
  const onEvent = (event: ImportEvent) => {
    if (flags.json) writeNdjson(io, event);
    progress.event(event);
  };
  const common = {
    ...(args.destination !== undefined ? { destination: args.destination } : {}),
    expiryMarginMs: flags.expiryMarginMs,
    strictExpiry: flags.strictExpiry,
    checkUrls: flags.checkUrls,
    concurrency: flags.concurrency,
    onEvent,
  };
  try {
    if (flags.dryRun) {
      reportPlan(io, flags, await planUrlImport(map, common));
      return;
    }
    const result = await withClient(flags.auth, io, (client) =>
      importUrls(client, {
        ...common,
        map,
        ...(flags.projectId ? { projectId: flags.projectId } : {}),
        ...(flags.metadata !== undefined ? { metadata: flags.metadata } : {}),
      }),
    );
    progress.stop();
    await reportResult(io, flags, map, result);
  } finally {
    progress.stop();
  }
}

function readFlags(o: Record<string, unknown>): ImportFlags {
  const str = (name: string): string | undefined => {
    const v = o[name];
    return v === undefined || v === null ? undefined : String(v);
  };
  const projectId = str('runProjectId');
  const metadataText = str('metadata');
  const output = str('output');
  if (!projectId && (metadataText !== undefined || output !== undefined)) {
    throw new UsageError(
      '--metadata and --output can only be used together with --run-project-id.',
    );
  }
  const json = o.json === true;
  if (json && output === '-') {
    throw new UsageError(
      '--output - cannot be combined with --json: both write to stdout (the JSON result includes the samples).',
    );
  }
  const margin = o.expiryMargin;
  const expiryMarginMs =
    typeof margin === 'number'
      ? margin
      : margin === undefined
        ? DEFAULT_EXPIRY_MARGIN_MS
        : parseDuration('--expiry-margin', String(margin));
  const concurrencyText = str('concurrency');
  const concurrency =
    concurrencyText === undefined ? DEFAULT_IMPORT_CONCURRENCY : Number(concurrencyText);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY) {
    throw new UsageError(
      `--concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}; got "${concurrencyText}".`,
    );
  }
  return {
    ...(projectId ? { projectId: uuidArg('--run-project-id', projectId) } : {}),
    ...(metadataText !== undefined ? { metadata: jsonArg('--metadata', metadataText) } : {}),
    ...(output !== undefined ? { output } : {}),
    progress: o.progress !== false,
    json,
    expiryMarginMs,
    strictExpiry: o.strictExpiry === true,
    checkUrls: o.checkUrls === true,
    concurrency,
    dryRun: o.dryRun === true,
    auth: {
      ...(str('host') !== undefined ? { host: str('host') } : {}),
      ...(str('email') !== undefined ? { email: str('email') } : {}),
      ...(str('password') !== undefined ? { password: str('password') } : {}),
      ...(str('apiKey') !== undefined ? { apiKey: str('apiKey') } : {}),
    },
  };
}

function reportPlan(io: Io, flags: ImportFlags, plan: UrlImportPlan): void {
  if (flags.json) {
    writeNdjson(io, { type: 'result', dryRun: true, ...plan });
    return;
  }
  // stdout: line, client id, read, destination path, expiry, URL without its query
  for (const u of plan.uploads) {
    const url = u.source.split('?')[0];
    writeOut(io, tsv([u.line, u.clientId, u.read, u.destinationPath, u.expiresAt ?? '', url]));
  }
  info(io, `Dry run: ${plan.uploads.length} URLs pass the checks; nothing was registered.`);
}

async function reportResult(
  io: Io,
  flags: ImportFlags,
  map: ParsedMapFile,
  result: UrlImportResult,
): Promise<void> {
  if (flags.output !== undefined && result.samples) {
    await writeAssignmentOutput(io, flags.output, result.samples);
  }
  if (flags.json) {
    writeNdjson(io, { type: 'result', ...result });
    return;
  }
  const samples = result.samples
    ? `; ${result.samples.length} samples assigned to project ${flags.projectId}`
    : `; assign them with: gencove projects run-prefix PROJECT_ID ${result.destination}`;
  const warned = result.warnings.length ? ` (${result.warnings.length} warnings above)` : '';
  info(
    io,
    `Registered ${result.uploads.length} URLs from ${map.file} under ${result.destination}${samples}${warned}.`,
  );
}
