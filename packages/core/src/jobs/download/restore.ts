import { isAvailableArchiveStatus } from '../status/vocabulary.js';
import { waitForSamples } from '../status/wait.js';
import type { DownloadApi } from './deliver-file.js';
import { RestoreTimeoutError } from './errors.js';
import type { SelectedSample } from './select.js';
import type { DownloadEvent } from './types.js';

/** Restores are not instant on Gencove; a day is a reasonable ceiling for one run. */
export const DEFAULT_RESTORE_TIMEOUT_MS = 24 * 60 * 60 * 1000;

export interface RestoreWaitOptions {
  timeoutMs?: number;
  /** Quickest poll interval of the watch. */
  pollIntervalMs?: number;
  signal?: AbortSignal;
  emit: (event: DownloadEvent) => void;
}

/**
 * Requests the restore of archived samples (one request per project; samples whose restore is
 * already pending are not requested again), then waits with the status watch engine until every
 * one of them is available or restored.
 */
export async function restoreAndWait(
  api: DownloadApi,
  samples: readonly SelectedSample[],
  options: RestoreWaitOptions,
): Promise<void> {
  const byProject = new Map<string, SelectedSample[]>();
  for (const sample of samples) {
    const project =
      sample.project ?? (await api.getSample(sample.id, { signal: options.signal })).project;
    if (!project) throw new Error(`Cannot tell which project sample ${sample.id} belongs to.`);
    byProject.set(project, [...(byProject.get(project) ?? []), sample]);
  }
  for (const [projectId, group] of byProject) {
    const toRequest = group.filter((s) => s.archiveStatus?.toLowerCase() !== 'restore_requested');
    if (toRequest.length === 0) continue;
    const sampleIds = toRequest.map((s) => s.id);
    await api.restoreSamples(projectId, sampleIds, { signal: options.signal });
    options.emit({ type: 'restore-requested', projectId, sampleIds });
  }
  const pending: string[] = [];
  for (const [projectId, group] of byProject) {
    const result = await waitForSamples(
      api,
      { projectId, sampleIds: group.map((s) => s.id) },
      {
        until: (s) => isAvailableArchiveStatus(s.archiveStatus),
        timeoutMs: options.timeoutMs ?? DEFAULT_RESTORE_TIMEOUT_MS,
        ...(options.pollIntervalMs !== undefined ? { minIntervalMs: options.pollIntervalMs } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        onEvent: (event) => options.emit({ type: 'restore-wait', event }),
      },
    );
    for (const s of result.samples) {
      if (!isAvailableArchiveStatus(s.archiveStatus)) pending.push(s.id ?? s.clientId ?? '?');
    }
  }
  if (pending.length > 0) throw new RestoreTimeoutError(pending);
  options.emit({ type: 'restore-done', sampleIds: samples.map((s) => s.id) });
}

export interface RestoreSamplesOptions {
  projectId: string;
  /** Samples to restore; every archived sample of the project when absent or empty. */
  sampleIds?: readonly string[];
  /** Wait until the restores completed (status watch engine). */
  wait?: boolean;
  timeoutMs?: number;
  pollIntervalMs?: number;
  signal?: AbortSignal;
  onEvent?: (event: DownloadEvent) => void;
}

/**
 * `gencove projects restore-samples`: one restore request (spec §7.5), and with `wait` the same
 * wait as `download --restore`. Without ids and with `wait`, the project's archived samples are
 * listed first so that there is something to wait for.
 */
export async function restoreProjectSamples(
  api: Pick<DownloadApi, 'restoreSamples' | 'listProjectSamples' | 'getSample'>,
  options: RestoreSamplesOptions,
): Promise<{ sampleIds: string[] | 'all' }> {
  const emit = (event: DownloadEvent) => {
    try {
      options.onEvent?.(event);
    } catch {
      // ignore listener errors
    }
  };
  const ids = options.sampleIds?.length ? [...options.sampleIds] : undefined;
  if (!options.wait) {
    await api.restoreSamples(options.projectId, ids ?? [], { signal: options.signal });
    emit({ type: 'restore-requested', projectId: options.projectId, sampleIds: ids ?? [] });
    return { sampleIds: ids ?? 'all' };
  }
  let samples: SelectedSample[];
  if (ids) {
    samples = ids.map((id) => ({
      id,
      clientId: '',
      project: options.projectId,
      status: null,
      statusCreated: null,
      archiveStatus: 'archived',
    }));
  } else {
    samples = [];
    for (const archiveStatus of ['archived', 'restore_requested'] as const) {
      for await (const s of api.listProjectSamples(options.projectId, {
        archiveStatus,
        ...(options.signal ? { signal: options.signal } : {}),
      })) {
        samples.push({
          id: s.id,
          clientId: s.client_id ?? '',
          project: options.projectId,
          status: s.last_status?.status ?? null,
          statusCreated: s.last_status?.created ?? null,
          archiveStatus: s.archive_last_status?.status ?? archiveStatus,
        });
      }
    }
    if (samples.length === 0) return { sampleIds: [] };
  }
  await restoreAndWait(api as DownloadApi, samples, {
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.pollIntervalMs !== undefined ? { pollIntervalMs: options.pollIntervalMs } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    emit,
  });
  return { sampleIds: samples.map((s) => s.id) };
}
