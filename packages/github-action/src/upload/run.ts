import { isAbsolute } from 'node:path';
import {
  AssignmentError,
  assertUploadable,
  defaultCacheDir,
  type GencoveClient,
  NoFastqFilesError,
  type PlannedUpload,
  type PlanProblem,
  planUpload,
  type UploadEvent,
  type UploadPlan,
  type UploadResult,
  uploadFastqs,
} from '@gencove/core';
import type { ActionIo } from '../shared/action-io.js';
import { reportProblems } from '../shared/annotations.js';
import { formatDuration } from '../shared/duration.js';
import { InputError, type Inputs } from '../shared/inputs.js';
import {
  annotateMapFileError,
  annotationPath,
  assignmentFailure,
  logAssignEvent,
  relativeIfInside,
  samplesTable,
  setRegistrationOutputs,
  type UploadRecord,
} from '../shared/registration.js';
import { type Shard, shardOf } from '../shared/shard.js';
import { formatBytes, SummaryBuilder } from '../shared/summary.js';
import { restrictPlan } from './restrict-plan.js';
import { resolveUploadSource } from './source.js';

export const IF_NO_FILES_FOUND = ['error', 'warn', 'ignore'] as const;

export interface UploadInputs {
  /** One directory / map file, or glob patterns (one per line). */
  path: string[];
  destination?: string;
  projectId?: string;
  metadata: { given: false } | { given: true; value: unknown };
  concurrency?: number;
  shard?: Shard;
  dryRun: boolean;
  ifNoFilesFound: (typeof IF_NO_FILES_FOUND)[number];
}

export function readUploadInputs(inputs: Inputs): UploadInputs {
  const path = inputs.lines('path');
  if (path.length === 0)
    throw new InputError(
      'path',
      'is required: a directory, a *.fastq-map.csv file or glob patterns.',
    );
  const projectId = inputs.uuid('project-id');
  const metadata = inputs.json('metadata');
  if (metadata.given && !projectId) {
    throw new InputError(
      'metadata',
      'needs project-id: metadata is applied to the samples the assignment creates.',
    );
  }
  const destination = inputs.string('destination');
  if (destination !== undefined && !destination.startsWith('gncv://')) {
    throw new InputError(
      'destination',
      `must start with gncv://, e.g. gncv://run-2026-11-24/; got ${JSON.stringify(destination)}.`,
    );
  }
  const concurrency = inputs.integer('concurrency', { min: 1, max: 64 });
  const shard = inputs.shard('shard');
  return {
    path,
    ...(destination ? { destination } : {}),
    ...(projectId ? { projectId } : {}),
    metadata,
    ...(concurrency !== undefined ? { concurrency } : {}),
    ...(shard ? { shard } : {}),
    dryRun: inputs.boolean('dry-run', false),
    ifNoFilesFound: inputs.choice('if-no-files-found', IF_NO_FILES_FOUND, 'error'),
  };
}

export interface UploadDeps {
  client: () => GencoveClient;
  io: ActionIo;
  signal: AbortSignal;
  /** Base of relative paths (the workspace). */
  cwd: string;
  env: NodeJS.ProcessEnv;
  now?: () => number;
}

/** Progress lines are at most this frequent: CI logs are read afterwards, not watched. */
const PROGRESS_EVERY_MS = 30_000;

export async function runUpload(
  inputs: UploadInputs,
  deps: UploadDeps,
): Promise<UploadResult | undefined> {
  const { io } = deps;
  const now = deps.now ?? Date.now;
  const started = now();
  const plan = await planFor(inputs, deps);
  if (!plan) return undefined;

  reportPlanProblems(io, plan.problems);
  assertUploadable(plan);
  io.info(
    `${plan.uploads.length} file(s), ${formatBytes(plan.totalBytes)}, ${plan.samples.length} sample(s) → ${plan.destination}`,
  );
  if (inputs.dryRun) {
    io.info('Dry run: nothing was sent.');
    setRegistrationOutputs(
      io,
      plan.destination,
      plan.uploads.map((u) => planned(u, deps.cwd)),
      undefined,
    );
    await io.writeSummary(planSummary(inputs, plan, now() - started));
    return undefined;
  }

  const done: UploadRecord[] = [];
  const progress = progressLogger(io, plan, now);
  const onEvent = (event: UploadEvent) => {
    if (event.type === 'file-done' || event.type === 'file-skipped') {
      const upload = plan.uploads[event.file]!;
      done.push({
        ...planned(upload, deps.cwd),
        upload_id: event.uploadId,
        status:
          event.type === 'file-skipped'
            ? 'already-uploaded'
            : event.resumedBytes > 0
              ? 'resumed'
              : 'uploaded',
      });
    }
    progress(event);
  };
  let result: UploadResult;
  try {
    result = await io.group(`Uploading ${plan.uploads.length} file(s)`, () =>
      uploadFastqs(deps.client(), {
        plan,
        ...(inputs.projectId ? { runProjectId: inputs.projectId } : {}),
        ...(inputs.metadata.given ? { metadata: inputs.metadata.value } : {}),
        ...(inputs.concurrency !== undefined ? { concurrency: inputs.concurrency } : {}),
        cacheDir: defaultCacheDir(deps.env),
        signal: deps.signal,
        onEvent,
      }),
    );
  } catch (error) {
    if (error instanceof AssignmentError && inputs.projectId) {
      done.sort((a, b) => a.destination_path.localeCompare(b.destination_path));
      setRegistrationOutputs(io, plan.destination, done, error.assigned);
      throw assignmentFailure(error, inputs.projectId, plan.destination);
    }
    if (done.length > 0) {
      io.info(
        `${done.length} of ${plan.uploads.length} file(s) were uploaded before the failure; a re-run skips them.`,
      );
    }
    throw error;
  }

  const records = result.files.map((file, i) => ({
    ...planned(plan.uploads[i]!, deps.cwd),
    upload_id: file.uploadId,
    status: file.outcome,
  }));
  setRegistrationOutputs(io, result.destination, records, result.assigned);
  await io.writeSummary(resultSummary(inputs, plan, result, now() - started));
  return result;
}

/** Finds the files and plans them; `undefined` when there is nothing to do (and that is allowed). */
async function planFor(inputs: UploadInputs, deps: UploadDeps): Promise<UploadPlan | undefined> {
  const { io } = deps;
  const nothing = (message: string): undefined => {
    if (inputs.ifNoFilesFound === 'error')
      throw new InputError('path', `${message} (if-no-files-found: error)`);
    if (inputs.ifNoFilesFound === 'warn') io.warning(message);
    else io.info(message);
    setRegistrationOutputs(io, '', [], undefined);
    return undefined;
  };

  const source = await resolveUploadSource(inputs.path, deps.cwd);
  if (source.kind === 'none') return nothing(`No FASTQ files found: ${source.why}.`);
  let plan: UploadPlan;
  try {
    plan = await planUpload({
      // glob matches: exactly those files, named relative to the patterns' common root
      ...(source.kind === 'glob'
        ? { source: relativeIfInside(deps.cwd, source.base), files: source.files }
        : { source: inputs.path[0]! }),
      ...(inputs.destination ? { destination: inputs.destination } : {}),
      cwd: deps.cwd,
      signal: deps.signal,
    });
  } catch (error) {
    annotateMapFileError(io, error);
    if (error instanceof NoFastqFilesError) return nothing(error.message);
    if ((error as Error).name === 'DestinationError')
      throw new InputError('destination', (error as Error).message);
    throw error;
  }
  if (plan.kind === 'files' && plan.ignored.length > 0) {
    io.info(
      `${plan.ignored.length} matched file(s) are not FASTQ files (.fastq.gz, .fq.gz, .fastq.bgz, .fq.bgz) and are skipped.`,
    );
  }

  if (inputs.shard) {
    const { index, total } = inputs.shard;
    const all = plan.uploads.length;
    plan = restrictPlan(plan, (u) => shardOf(u.clientId, total) === index);
    io.info(`Shard ${index}/${total}: ${plan.uploads.length} of ${all} file(s).`);
    if (plan.uploads.length === 0) {
      // An empty shard is normal with few samples and many matrix jobs.
      io.info('No sample falls into this shard; nothing to upload.');
      setRegistrationOutputs(io, plan.destination, [], inputs.projectId ? [] : undefined);
      return undefined;
    }
  }
  return plan;
}

function planned(upload: PlannedUpload, cwd: string): UploadRecord {
  return {
    client_id: upload.clientId,
    ...(upload.read ? { read: upload.read } : {}),
    destination_path: upload.destinationPath,
    upload_id: '',
    status: 'planned',
    source: upload.sources.map((s) => relativeIfInside(cwd, s.path)).join(' + '),
    size: upload.size,
  };
}

function reportPlanProblems(io: ActionIo, problems: PlanProblem[]): void {
  reportProblems(
    io,
    problems.map((p) => {
      const local = p.paths.find((path) => isAbsolute(path));
      return {
        text: p.message,
        title: p.severity === 'error' ? `cannot upload (${p.kind})` : p.kind,
        fails: p.severity === 'error',
        ...(local ? { file: annotationPath(local) } : {}),
      };
    }),
  );
}

function progressLogger(
  io: ActionIo,
  plan: UploadPlan,
  now: () => number,
): (event: UploadEvent) => void {
  let sent = 0;
  let toSend = plan.totalBytes;
  let lastLog = now();
  const started = now();
  return (event) => {
    switch (event.type) {
      case 'reserved':
        toSend = event.bytes;
        io.info(
          `${event.files} upload slot(s) reserved; ${event.skipped} file(s) already on Gencove; ${formatBytes(event.bytes)} to send.`,
        );
        break;
      case 'credentials':
        io.debug(
          `upload credentials ${event.refreshed ? 'refreshed' : 'obtained'}, valid until ${event.expiresAt}`,
        );
        break;
      case 'file-skipped':
        io.info(`${event.label}: already uploaded (${event.uploadId}).`);
        break;
      case 'file-start':
        io.debug(
          `${event.label}: ${event.parts} part(s)${event.resumedBytes > 0 ? `, resuming after ${formatBytes(event.resumedBytes)}` : ''}`,
        );
        break;
      case 'file-progress': {
        sent += event.bytes;
        const at = now();
        if (at - lastLog >= PROGRESS_EVERY_MS) {
          lastLog = at;
          const rate = sent / Math.max(1, (at - started) / 1000);
          io.info(
            `… ${formatBytes(sent)} of ${formatBytes(toSend)} sent (${formatBytes(rate)}/s).`,
          );
        }
        break;
      }
      case 'file-done':
        io.info(
          `${event.label} → ${event.destinationPath} (${formatBytes(event.size)}, ${event.uploadId})`,
        );
        break;
      case 'file-retry':
        io.info(
          `${event.label}: ${event.operation} attempt ${event.attempt} failed (${event.error}); retrying in ${formatDuration(event.delayMs)}.`,
        );
        break;
      case 'resume-discarded':
        io.info(`${event.label}: starting over (${event.reason}).`);
        break;
      case 'upload-plan':
        break;
      default:
        logAssignEvent(io, event);
    }
  };
}

function planSummary(inputs: UploadInputs, plan: UploadPlan, elapsedMs: number): SummaryBuilder {
  const summary = new SummaryBuilder()
    .heading('Gencove upload (dry run: nothing sent)')
    .facts([
      ['destination', { code: plan.destination }],
      ['files', plan.uploads.length],
      ['bytes', formatBytes(plan.totalBytes)],
      ['samples', plan.samples.length],
      ...(inputs.shard
        ? [['shard', `${inputs.shard.index}/${inputs.shard.total}`] as [string, string]]
        : []),
      ['duration', formatDuration(elapsedMs)],
    ]);
  return summary.table(
    ['Source', 'Client ID', 'Read', 'Destination', 'Size'],
    plan.uploads.map((u) => [
      u.label,
      u.clientId,
      u.read ?? '',
      { code: u.destinationPath },
      formatBytes(u.size),
    ]),
  );
}

function resultSummary(
  inputs: UploadInputs,
  plan: UploadPlan,
  result: UploadResult,
  elapsedMs: number,
): SummaryBuilder {
  const skipped = result.files.filter((f) => f.outcome === 'already-uploaded').length;
  const summary = new SummaryBuilder()
    .heading('Gencove upload')
    .facts([
      ['destination', { code: result.destination }],
      ['files', result.files.length],
      ['already uploaded', skipped],
      ['bytes sent', `${formatBytes(result.bytesSent)} of ${formatBytes(result.totalBytes)}`],
      ...(inputs.shard
        ? [['shard', `${inputs.shard.index}/${inputs.shard.total}`] as [string, string]]
        : []),
      ...(inputs.projectId
        ? [['project', { code: inputs.projectId }] as [string, { code: string }]]
        : []),
      ...(result.assigned ? [['samples', result.assigned.length] as [string, number]] : []),
      ['duration', formatDuration(elapsedMs)],
      ['throughput', `${formatBytes(result.bytesSent / Math.max(0.001, elapsedMs / 1000))}/s`],
    ]);
  summary.table(
    ['Source', 'Destination', 'Upload', 'Size', 'Outcome'],
    result.files.map((f, i) => [
      plan.uploads[i]!.label,
      { code: f.destinationPath },
      { code: f.uploadId },
      formatBytes(f.size),
      f.outcome,
    ]),
  );
  samplesTable(summary, result.assigned);
  return summary;
}
