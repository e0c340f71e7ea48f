import type { SampleOutcome, StatusApi, WaitResult, WaitSample, WatchEvent } from '@gencove/core';
import { waitForSamples } from '@gencove/core';
import type { ActionIo } from '../shared/action-io.js';
import { reportProblems } from '../shared/annotations.js';
import { formatDuration } from '../shared/duration.js';
import { InputError, type Inputs } from '../shared/inputs.js';
import { StepFailure } from '../shared/runtime.js';
import { SummaryBuilder } from '../shared/summary.js';

export const FAIL_ON = ['failed', 'failed-qc', 'unavailable', 'timeout'] as const;
export type FailOn = (typeof FAIL_ON)[number];

export interface WaitInputs {
  projectId: string;
  sampleIds?: string[];
  clientIds?: string[];
  timeoutMs: number;
  failOn: FailOn[];
}

export function readWaitInputs(inputs: Inputs): WaitInputs {
  const projectId = inputs.uuid('project-id');
  if (!projectId) throw new InputError('project-id', 'is required.');
  const sampleIds = inputs.sampleIds('sample-ids');
  const clientIds = inputs.list('client-ids');
  if (sampleIds.length > 0 && clientIds.length > 0) {
    throw new InputError('client-ids', 'give sample-ids or client-ids, not both.');
  }
  const failOn =
    inputs.string('fail-on') === 'none'
      ? []
      : inputs.choices('fail-on', FAIL_ON, ['failed', 'unavailable', 'timeout']);
  return {
    projectId,
    ...(sampleIds.length > 0 ? { sampleIds } : {}),
    ...(clientIds.length > 0 ? { clientIds } : {}),
    timeoutMs: inputs.durationMs('timeout') ?? 6 * 3_600_000,
    failOn,
  };
}

export interface WaitDeps {
  client: StatusApi;
  io: ActionIo;
  signal: AbortSignal;
}

/** Which sample outcomes each `fail-on` value fails the step for. */
const FAILING_OUTCOME: Record<FailOn, SampleOutcome> = {
  failed: 'failed',
  'failed-qc': 'failed-qc',
  unavailable: 'unavailable',
  timeout: 'pending',
};

export async function runWait(inputs: WaitInputs, deps: WaitDeps): Promise<WaitResult> {
  const { io } = deps;
  const what = inputs.sampleIds
    ? `${inputs.sampleIds.length} samples`
    : inputs.clientIds
      ? `${inputs.clientIds.length} client ids`
      : 'every sample';
  io.info(
    `Waiting up to ${formatDuration(inputs.timeoutMs)} for ${what} of project ${inputs.projectId}.`,
  );
  let lastPollError: string | undefined;
  const onEvent = (event: WatchEvent) => {
    if (event.type === 'poll-error') lastPollError = `${event.message} (${event.code})`;
    logEvent(io, event);
  };
  const result = await io.group('Status changes', () =>
    waitForSamples(
      deps.client,
      {
        projectId: inputs.projectId,
        ...(inputs.sampleIds ? { sampleIds: inputs.sampleIds } : {}),
        ...(inputs.clientIds ? { clientIds: inputs.clientIds } : {}),
      },
      { timeoutMs: inputs.timeoutMs, signal: deps.signal, onEvent },
    ),
  );
  const idsOf = (outcome: SampleOutcome) =>
    result.samples.filter((s) => s.outcome === outcome && s.id).map((s) => s.id!);
  io.setOutput('outcome', result.outcome);
  io.setOutput('statuses', result.samples.map(statusOutput));
  io.setOutput('succeeded-ids', idsOf('succeeded').join(','));
  io.setOutput('failed-qc-ids', idsOf('failed-qc').join(','));
  io.setOutput('failed-ids', idsOf('failed').join(','));

  const failing = new Set(inputs.failOn.map((f) => FAILING_OUTCOME[f]));
  reportProblems(
    io,
    result.samples
      .filter((s) => s.outcome !== 'succeeded')
      .map((s) => {
        const what =
          s.outcome === 'pending' ? `still ${s.status ?? 'pending'} at the timeout` : s.outcome;
        const fails = failing.has(s.outcome);
        return {
          text: `${sampleLabel(s)}: ${what}${s.note ? ` — ${s.note}` : ''}`,
          title: fails ? s.outcome : `${s.outcome} (not failing the step)`,
          fails,
        };
      }),
  );
  await io.writeSummary(summaryOf(inputs, result));

  const counts = Object.entries(result.counts)
    .filter(([, n]) => n > 0)
    .map(([outcome, n]) => `${n} ${outcome}`)
    .join(', ');
  io.info(
    `Outcome: ${result.outcome} (${counts || 'no samples'}) after ${formatDuration(result.elapsedMs)}.`,
  );
  const failed = [...failing].filter((outcome) => result.counts[outcome] > 0);
  if (failed.length > 0) {
    throw new StepFailure(
      `Wait ended with ${failed.map((o) => `${result.counts[o]} ${o === 'pending' ? 'unfinished (timeout)' : o}`).join(', ')} ` +
        `sample(s); fail-on is ${inputs.failOn.join(', ')}.`,
    );
  }
  if (result.outcome === 'timeout' && failing.has('pending')) {
    // Core's rule: a wait whose polls all failed knows no sample and ends as a timeout.
    const why = result.state
      ? ''
      : ` before one poll of project ${inputs.projectId} completed${lastPollError ? ` (last error: ${lastPollError})` : ''}`;
    throw new StepFailure(`Wait timed out${why}; fail-on is ${inputs.failOn.join(', ')}.`);
  }
  return result;
}

function statusOutput(s: WaitSample) {
  return {
    id: s.id,
    client_id: s.clientId,
    status: s.status,
    archive_status: s.archiveStatus,
    outcome: s.outcome,
    ...(s.note ? { note: s.note } : {}),
  };
}

function sampleLabel(s: { id: string | null; clientId: string | null }): string {
  if (s.clientId && s.id) return `${s.clientId} (${s.id})`;
  return s.clientId ?? s.id ?? 'unknown sample';
}

function logEvent(io: ActionIo, event: WatchEvent): void {
  const label = () =>
    sampleLabel({
      id: 'sampleId' in event ? event.sampleId : null,
      clientId: 'clientId' in event ? event.clientId : null,
    });
  switch (event.type) {
    case 'status':
      if (event.status !== event.previousStatus) {
        io.info(
          `${label()}: ${event.previousStatus ? `${event.previousStatus} → ` : ''}${event.status ?? 'no status'}` +
            `${event.note ? ` (${event.note})` : ''}`,
        );
      }
      if (
        event.archiveStatus !== event.previousArchiveStatus &&
        event.previousArchiveStatus !== null
      ) {
        io.info(`${label()}: archive ${event.previousArchiveStatus} → ${event.archiveStatus}`);
      }
      break;
    case 'missing':
      io.info(`${label()}: ${event.reason}`);
      break;
    case 'poll':
      io.debug(
        `poll (${event.mode}): ${event.pending}/${event.total} pending, ${event.requests} requests, next in ${event.nextPollInMs ?? '-'} ms`,
      );
      break;
    case 'poll-error':
      io.warning(
        `Polling failed (${event.code}: ${event.message}); ${event.retryInMs === null ? 'giving up at the deadline' : `retrying in ${formatDuration(event.retryInMs)}`}.`,
      );
      break;
    case 'end':
      break;
  }
}

function summaryOf(inputs: WaitInputs, result: WaitResult): SummaryBuilder {
  return new SummaryBuilder()
    .heading(`Gencove wait: ${result.outcome}`)
    .facts([
      ['project', { code: inputs.projectId }],
      ['samples', result.samples.length],
      ...Object.entries(result.counts)
        .filter(([, n]) => n > 0)
        .map(([outcome, n]): [string, number] => [outcome, n]),
      ['duration', formatDuration(result.elapsedMs)],
      ['API requests', result.requests],
    ])
    .table(
      ['Client ID', 'Sample', 'Status', 'Archive', 'Outcome', 'Note'],
      result.samples.map((s) => [
        s.clientId ?? '',
        s.id ? { code: s.id } : '',
        s.status ?? '',
        s.archiveStatus ?? '',
        s.outcome,
        s.note ?? '',
      ]),
    );
}
