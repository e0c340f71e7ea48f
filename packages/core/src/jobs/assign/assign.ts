import { setTimeout as sleep } from 'node:timers/promises';
import { AbortError, GencoveError } from '../../errors.js';
import type { SampleSheetEntry } from '../../models.js';
import { AssignmentError } from './errors.js';
import { toAssignedSample } from './output.js';
import { scanSampleSheet } from './sheet-scan.js';
import type { AssignApi, AssignEvent, AssignedSample } from './types.js';

/** Entries per `POST /project-samples/{id}` (spec §6.3, ASSIGN_BATCH_SIZE). */
export const ASSIGN_BATCH_SIZE = 200;
export const DEFAULT_ASSIGN_MAX_WAIT_MS = 300_000;
const FIRST_POLL_DELAY_MS = 250;
const MAX_POLL_DELAY_MS = 10_000;

export interface AssignUploadsOptions {
  projectId: string;
  /** Normalised `gncv://` folder of the uploads, used as the sample-sheet search. */
  destination: string;
  /** Every upload of this run, including those skipped as already uploaded. */
  uploadIds: string[];
  /** Any JSON value, applied by the server to every created sample. */
  metadata?: unknown;
  signal?: AbortSignal;
  onEvent?: (event: AssignEvent) => void;
  /** How long to wait for the uploads to appear in the sample sheet. Default 300 000 ms. */
  maxWaitMs?: number;
}

/**
 * Assigns this run's uploads to a project (spec §6): polls the unassigned sample sheet with
 * backoff until every upload is listed (no fixed sleep), then POSTs the entries in batches of
 * 200 with the metadata. Uploads an earlier run already assigned are reported, not re-assigned.
 */
export async function assignUploadsToProject(
  client: AssignApi,
  options: AssignUploadsOptions,
): Promise<AssignedSample[]> {
  const ours = new Set(options.uploadIds);
  if (ours.size === 0) return [];
  const { entries, alreadyAssigned } = await waitForSheetEntries(client, ours, options);
  const assigned = await assignInBatches(client, entries, options);
  options.onEvent?.({ type: 'assign-done', samples: assigned.length });
  return [...alreadyAssigned, ...assigned];
}

async function waitForSheetEntries(
  client: AssignApi,
  ours: Set<string>,
  options: AssignUploadsOptions,
): Promise<{ entries: SampleSheetEntry[]; alreadyAssigned: AssignedSample[] }> {
  const { destination, signal } = options;
  const deadline = Date.now() + (options.maxWaitMs ?? DEFAULT_ASSIGN_MAX_WAIT_MS);
  const waitingFor = new Set(ours);
  const alreadyAssigned: AssignedSample[] = [];
  let checkedAssigned = false;
  for (let attempt = 1; ; attempt++) {
    const scan = await scanSampleSheet(client, destination, 'unassigned', waitingFor, signal);
    const missing = [...waitingFor].filter((id) => !scan.seen.has(id));
    if (missing.length > 0 && !checkedAssigned) {
      // A re-run: uploads assigned by an earlier run will never show up as unassigned.
      checkedAssigned = true;
      const previous = await scanSampleSheet(
        client,
        destination,
        'assigned',
        new Set(missing),
        signal,
      );
      if (previous.seen.size > 0) {
        const samples = previous.entries.flatMap((e) => toAssignedSample(e) ?? []);
        alreadyAssigned.push(...samples);
        for (const id of previous.seen) waitingFor.delete(id);
        options.onEvent?.({
          type: 'assign-already-assigned',
          uploads: [...previous.seen],
          samples,
        });
        continue;
      }
    }
    if (missing.length === 0) {
      for (const f of scan.foreign) options.onEvent?.({ type: 'assign-foreign-upload', ...f });
      return { entries: scan.entries, alreadyAssigned };
    }
    const delayMs = Math.min(
      Math.round(
        Math.min(MAX_POLL_DELAY_MS, FIRST_POLL_DELAY_MS * 2 ** (attempt - 1)) *
          (0.5 + Math.random() / 2),
      ),
      deadline - Date.now(),
    );
    if (delayMs <= 0) {
      throw new AssignmentError(
        `${missing.length} of ${ours.size} uploads did not appear in the unassigned sample sheet of ${destination} ` +
          `within ${Math.round((options.maxWaitMs ?? DEFAULT_ASSIGN_MAX_WAIT_MS) / 1000)} s, so nothing was assigned. ` +
          `The files are uploaded; assign them later with: gencove projects run-prefix ${options.projectId} ${destination}`,
        {
          reason: 'not-in-sheet',
          code: 'ERR_GENCOVE_ASSIGN_WAIT',
          missingUploads: missing,
          assigned: alreadyAssigned,
        },
      );
    }
    options.onEvent?.({
      type: 'assign-waiting',
      found: ours.size - waitingFor.size + scan.seen.size,
      expected: ours.size,
      attempt,
      delayMs,
    });
    try {
      await sleep(delayMs, undefined, { signal });
    } catch (error) {
      if (signal?.aborted) throw new AbortError('Aborted while waiting for the sample sheet');
      throw error;
    }
  }
}

/** POSTs `entries` in batches of {@link ASSIGN_BATCH_SIZE} (never an empty one). */
export async function assignInBatches(
  client: AssignApi,
  entries: SampleSheetEntry[],
  options: Pick<
    AssignUploadsOptions,
    'projectId' | 'destination' | 'metadata' | 'signal' | 'onEvent'
  >,
): Promise<AssignedSample[]> {
  const assigned: AssignedSample[] = [];
  const batches = Math.ceil(entries.length / ASSIGN_BATCH_SIZE);
  for (let i = 0; i < batches; i++) {
    const batch = entries.slice(i * ASSIGN_BATCH_SIZE, (i + 1) * ASSIGN_BATCH_SIZE);
    let response: { uploads?: unknown[] | null };
    try {
      response = await client.assignUploads(options.projectId, batch, options.metadata ?? null, {
        signal: options.signal,
      });
    } catch (error) {
      throw batchFailure(error, assigned, entries.length, options);
    }
    for (const raw of response.uploads ?? []) {
      const sample = toAssignedSample(raw);
      if (sample) assigned.push(sample);
    }
    options.onEvent?.({ type: 'assign-batch', batch: i + 1, batches, samples: batch.length });
  }
  return assigned;
}

function batchFailure(
  error: unknown,
  assigned: AssignedSample[],
  total: number,
  options: Pick<AssignUploadsOptions, 'projectId' | 'destination'>,
): Error {
  if (error instanceof AbortError) return error;
  const why = error instanceof Error ? error.message : String(error);
  const hint = `Assign the rest with: gencove projects run-prefix ${options.projectId} ${options.destination} --status unassigned`;
  if (assigned.length === 0) {
    return new AssignmentError(
      `The files are uploaded but none were assigned to project ${options.projectId}: ${why}. ${hint}`,
      {
        reason: 'request-failed',
        code: error instanceof GencoveError ? error.code : 'ERR_GENCOVE_ASSIGN',
        cause: error,
        status: (error as { status?: number }).status,
      },
    );
  }
  return new AssignmentError(
    `Only ${assigned.length} of ${total} samples were assigned to project ${options.projectId} before a request failed: ${why}. ${hint}`,
    {
      reason: 'request-failed',
      code: 'ERR_GENCOVE_ASSIGN_PARTIAL',
      assigned,
      cause: error,
      status: (error as { status?: number }).status,
    },
  );
}
