import { resolve } from 'node:path';
import {
  AssignmentError,
  type ImportApi,
  type ImportEvent,
  importUrls,
  parseMapFile,
  UrlImportError,
  type UrlImportResult,
} from '@gencove/core';
import type { ActionIo } from '../shared/action-io.js';
import { formatDuration } from '../shared/duration.js';
import { InputError, type Inputs } from '../shared/inputs.js';
import {
  annotateMapFileError,
  annotationPath,
  assignmentFailure,
  logAssignEvent,
  samplesTable,
  setRegistrationOutputs,
  type UploadRecord,
} from '../shared/registration.js';
import { StepFailure } from '../shared/runtime.js';
import { type Shard, selectShard } from '../shared/shard.js';
import { SummaryBuilder } from '../shared/summary.js';

export interface ImportUrlsInputs {
  mapFile: string;
  destination?: string;
  projectId?: string;
  metadata: { given: false } | { given: true; value: unknown };
  expiryMarginMs?: number;
  strictExpiry: boolean;
  checkUrls: boolean;
  concurrency?: number;
  shard?: Shard;
}

export function readImportUrlsInputs(inputs: Inputs): ImportUrlsInputs {
  const projectId = inputs.uuid('project-id');
  const metadata = inputs.json('metadata');
  if (metadata.given && !projectId) {
    throw new InputError(
      'metadata',
      'needs project-id: metadata is applied to the samples the assignment creates.',
    );
  }
  const destination = inputs.string('destination');
  const expiryMarginMs = inputs.durationMs('expiry-margin');
  const concurrency = inputs.integer('concurrency', { min: 1, max: 64 });
  const shard = inputs.shard('shard');
  return {
    mapFile: inputs.required('map-file'),
    ...(destination ? { destination } : {}),
    ...(projectId ? { projectId } : {}),
    metadata,
    ...(expiryMarginMs !== undefined ? { expiryMarginMs } : {}),
    strictExpiry: inputs.boolean('strict-expiry', false),
    checkUrls: inputs.boolean('check-urls', false),
    ...(concurrency !== undefined ? { concurrency } : {}),
    ...(shard ? { shard } : {}),
  };
}

export interface ImportUrlsDeps {
  client: ImportApi;
  io: ActionIo;
  signal: AbortSignal;
  /** Base of a relative map-file path (the workspace). */
  cwd: string;
  now?: () => number;
}

export async function runImportUrls(
  inputs: ImportUrlsInputs,
  deps: ImportUrlsDeps,
): Promise<UrlImportResult> {
  const { io } = deps;
  const now = deps.now ?? Date.now;
  const started = now();
  const mapPath = resolve(deps.cwd, inputs.mapFile);
  let map: Awaited<ReturnType<typeof parseMapFile>>;
  try {
    map = await parseMapFile(mapPath, { cwd: deps.cwd });
  } catch (error) {
    annotateMapFileError(io, error);
    throw error;
  }
  if (map.kind !== 'url') {
    throw new InputError(
      'map-file',
      `${inputs.mapFile} lists local files, not URLs: use the upload action for it.`,
    );
  }
  // Presigned URLs carry signatures: mask them before any line could show one.
  for (const group of map.groups) for (const url of group.paths) io.maskUrlSignatures(url);

  const total = map.groups.length;
  if (inputs.shard) {
    map = { ...map, groups: selectShard(map.groups, (g) => g.clientId, inputs.shard) };
    io.info(
      `Shard ${inputs.shard.index}/${inputs.shard.total}: ${map.groups.length} of ${total} reads.`,
    );
    if (map.groups.length === 0) {
      io.info('No sample of the map file falls into this shard; nothing to import.');
      setRegistrationOutputs(io, '', [], inputs.projectId ? [] : undefined);
      return { destination: '', uploads: [], warnings: [] };
    }
  }

  // Kept from the events: an assignment failure comes after every URL was registered, and the
  // outputs must still say what exists.
  let destination = inputs.destination ?? '';
  const registered: UploadRecord[] = [];
  const onEvent = (event: ImportEvent) => {
    if (event.type === 'import-plan') destination = event.destination;
    if (event.type === 'url-registered') registered.push(record(event.upload));
    logEvent(io, event, map.file);
  };
  let result: UrlImportResult;
  try {
    result = await io.group(`Registering ${map.groups.length} URLs`, () =>
      importUrls(deps.client, {
        map,
        ...(inputs.destination ? { destination: inputs.destination } : {}),
        ...(inputs.projectId ? { projectId: inputs.projectId } : {}),
        ...(inputs.metadata.given ? { metadata: inputs.metadata.value } : {}),
        ...(inputs.expiryMarginMs !== undefined ? { expiryMarginMs: inputs.expiryMarginMs } : {}),
        strictExpiry: inputs.strictExpiry,
        checkUrls: inputs.checkUrls,
        ...(inputs.concurrency !== undefined ? { concurrency: inputs.concurrency } : {}),
        signal: deps.signal,
        onEvent,
      }),
    );
  } catch (error) {
    annotateMapFileError(io, error);
    if (error instanceof UrlImportError) {
      setRegistrationOutputs(io, error.destination, error.registered.map(record), undefined);
      throw new StepFailure(
        `${error.message} (${error.code}). ${error.registered.length} URL(s) were registered under ${error.destination} before the failure; nothing was assigned.`,
      );
    }
    if (error instanceof AssignmentError && inputs.projectId) {
      registered.sort((a, b) => a.destination_path.localeCompare(b.destination_path));
      setRegistrationOutputs(io, destination, registered, error.assigned);
      throw assignmentFailure(error, inputs.projectId, destination);
    }
    throw error;
  }
  const uploads = result.uploads.map(record);
  setRegistrationOutputs(io, result.destination, uploads, result.samples);
  await io.writeSummary(summaryOf(inputs, result, now() - started));
  return result;
}

function record(upload: UrlImportResult['uploads'][number]): UploadRecord {
  return {
    client_id: upload.clientId,
    read: upload.read,
    destination_path: upload.destinationPath,
    upload_id: upload.uploadId,
    status: 'registered',
    source: upload.source.split('?')[0]!,
  };
}

function logEvent(io: ActionIo, event: ImportEvent, mapFile: string): void {
  switch (event.type) {
    case 'import-plan':
      io.info(`Destination ${event.destination}: ${event.total} URL(s) to register.`);
      break;
    case 'url-warning':
      io.warning(event.warning.message, {
        title: `Gencove: ${event.warning.code}`,
        file: annotationPath(mapFile),
        line: event.warning.line,
      });
      break;
    case 'url-check-start':
      io.info(`Checking that ${event.total} URL(s) answer…`);
      break;
    case 'url-checked':
      io.debug(
        `${event.check.clientId}_${event.check.read}: ${event.check.ok ? 'reachable' : event.check.reason}`,
      );
      break;
    case 'url-registered':
      io.info(
        `[${event.done}/${event.total}] ${event.upload.clientId}_${event.upload.read} → ${event.upload.destinationPath} (${event.upload.uploadId})`,
      );
      break;
    case 'import-registered':
      io.info(`${event.uploads} URL(s) registered.`);
      break;
    default:
      logAssignEvent(io, event);
  }
}

function summaryOf(
  inputs: ImportUrlsInputs,
  result: UrlImportResult,
  elapsedMs: number,
): SummaryBuilder {
  const summary = new SummaryBuilder()
    .heading('Gencove import-urls')
    .facts([
      ['destination', { code: result.destination }],
      ['URLs registered', result.uploads.length],
      ...(inputs.shard
        ? [['shard', `${inputs.shard.index}/${inputs.shard.total}`] as [string, string]]
        : []),
      ...(inputs.projectId
        ? [['project', { code: inputs.projectId }] as [string, { code: string }]]
        : []),
      ...(result.samples ? [['samples created', result.samples.length] as [string, number]] : []),
      ['warnings', result.warnings.length],
      ['duration', formatDuration(elapsedMs)],
    ]);
  summary.table(
    ['Client ID', 'Read', 'Destination', 'Upload', 'URL expires'],
    result.uploads.map((u) => [
      u.clientId,
      u.read,
      { code: u.destinationPath },
      { code: u.uploadId },
      u.expiresAt ?? '',
    ]),
  );
  samplesTable(summary, result.samples);
  return summary;
}
