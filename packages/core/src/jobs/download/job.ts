import { setMaxListeners } from 'node:events';
import pLimit from 'p-limit';
import { Agent, type Dispatcher } from 'undici';
import {
  AbortError,
  AuthenticationError,
  InvalidArgumentError,
  MaintenanceError,
  NotFoundError,
} from '../../errors.js';
import { RetryPolicy } from '../../http/retry.js';
import { parseGencoveTimestamp } from '../../timestamps.js';
import { TransferBudget } from '../../transfer/budget.js';
import { isAvailableArchiveStatus } from '../status/vocabulary.js';
import {
  type DeliveryContext,
  type DownloadApi,
  deliverFile,
  type PlannedFile,
} from './deliver-file.js';
import { DEFAULT_TUNING, type TransferTuning } from './disk-transfer.js';
import {
  ArchivedSamplesError,
  DiskFullError,
  DownloadFailedError,
  DownloadInputError,
  diskFullError,
  type FileFailure,
  OutputClosedError,
  UnsafePathError,
} from './errors.js';
import {
  createFileTypeFilter,
  type FileTypeFilter,
  METADATA_FILE_TYPE,
  QC_FILE_TYPE,
  validateFileTypes,
} from './file-types.js';
import { defaultFilename, fileExtension } from './filename.js';
import { lockPath, partPath, workingFiles } from './part-state.js';
import { restoreAndWait } from './restore.js';
import { archivedView, NO_FILES_WARNING, type SelectedSample, selectSamples } from './select.js';
import {
  laterTimestamp,
  nextHighWaterMark,
  readSinceState,
  writeSinceState,
} from './since-state.js';
import { closeSink, describeSink, openSink, type Sink, targetOf } from './sink.js';
import { SampleUrls } from './source.js';
import {
  DEFAULT_DOWNLOAD_TEMPLATE,
  type DownloadTemplate,
  parseDownloadTemplate,
  renderDownloadPath,
} from './template.js';
import {
  DOWNLOAD_STATUS_FILTERS,
  type DownloadEvent,
  type DownloadOptions,
  type DownloadResult,
  type DownloadSampleOutcome,
  type FileOutcome,
} from './types.js';

export const DEFAULT_MAX_CONCURRENT_FILES = 8;
/** Buffer memory of a run's budget: 16 parts of 4 MiB in flight (peak RSS stays near 200 MiB). */
export const DEFAULT_DOWNLOAD_BUFFER_BYTES = 64 * 1024 * 1024;
export const DEFAULT_TRANSFER_TIMEOUT_MS = 60_000;

/** Errors that concern the whole run rather than one file: they stop everything. */
function isRunFatal(error: unknown): boolean {
  return (
    error instanceof AbortError ||
    error instanceof AuthenticationError ||
    error instanceof MaintenanceError ||
    error instanceof DownloadInputError ||
    error instanceof DiskFullError ||
    error instanceof OutputClosedError ||
    (error as { name?: string })?.name === 'AbortError'
  );
}

function positive(name: string, value: number): number {
  if (!(Number.isInteger(value) && value > 0)) {
    throw new InvalidArgumentError(name, `${name} must be a positive integer, got ${value}`);
  }
  return value;
}

/**
 * `gencove download`: delivers the deliverables of a project's samples (or of given samples)
 * to a directory, an S3 prefix or a stream — several files at once, large files in parallel
 * ranged parts, every byte checked against the API's sha256, broken transfers resumed.
 * Resolves with what was delivered; rejects with {@link DownloadFailedError} (carrying the
 * result) when some files could not be delivered, or with the error that stopped the run.
 */
export async function downloadDeliverables(
  api: DownloadApi,
  options: DownloadOptions,
): Promise<DownloadResult> {
  const startedAt = Date.now();
  const warnings: string[] = [];
  const emit = (event: DownloadEvent) => {
    if (event.type === 'warning') warnings.push(event.message);
    try {
      options.onEvent?.(event);
    } catch {
      // a listener must not break the transfer
    }
  };

  // Everything that can be checked without the network is checked first.
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
  if (options.since && options.sinceStateFile) {
    throw new InvalidArgumentError('since', 'give since or sinceStateFile, not both');
  }
  const template = parseDownloadTemplate(options.template ?? DEFAULT_DOWNLOAD_TEMPLATE);
  const filter = createFileTypeFilter(options.fileTypes);
  const tuning: TransferTuning = { ...DEFAULT_TUNING, ...options.tuning };
  positive('tuning.partSize', tuning.partSize);
  positive('tuning.maxPartsPerFile', tuning.maxPartsPerFile);
  if (!(tuning.singleStreamBytesPerSecond >= 0)) {
    // NaN would silently mean "always one stream"; Infinity (always parallel parts) is fine.
    throw new InvalidArgumentError(
      'tuning.singleStreamBytesPerSecond',
      `tuning.singleStreamBytesPerSecond must be a number ≥ 0, got ${tuning.singleStreamBytesPerSecond}`,
    );
  }
  if (!(tuning.singleStreamProbeMs >= 0 && tuning.singleStreamProbeMs < Number.POSITIVE_INFINITY)) {
    throw new InvalidArgumentError(
      'tuning.singleStreamProbeMs',
      `tuning.singleStreamProbeMs must be a number of milliseconds ≥ 0, got ${tuning.singleStreamProbeMs}`,
    );
  }
  const maxFiles = positive(
    'maxConcurrentFiles',
    options.maxConcurrentFiles ?? DEFAULT_MAX_CONCURRENT_FILES,
  );
  const previousMark = options.sinceStateFile
    ? (await readSinceState(options.sinceStateFile))?.highWaterMark
    : undefined;
  const since = options.since ?? (previousMark ? parseGencoveTimestamp(previousMark) : undefined);

  const abort = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, abort.signal]) : abort.signal;
  // Every request of every transfer listens to it; their number follows the budget, not 10.
  setMaxListeners(0, signal);
  const budget =
    options.budget ??
    new TransferBudget({
      maxConnections: positive('maxConnections', options.maxConnections ?? 16),
      maxBufferBytes: DEFAULT_DOWNLOAD_BUFFER_BYTES,
    });
  const sink = await openSink(options.destination, options.s3, signal);
  const ownDispatcher = !options.dispatcher;
  const dispatcher: Dispatcher =
    options.dispatcher ??
    new Agent({
      connections: budget.connections.capacity + 2,
      keepAliveTimeout: 10_000,
      connect: { timeout: options.timeoutMs ?? DEFAULT_TRANSFER_TIMEOUT_MS },
    });
  try {
    if (filter.requested) await checkFileTypes(api, options, filter, emit, signal);
    const selection = await selectSamples(api, {
      ...(options.projectId ? { projectId: options.projectId } : {}),
      ...(options.sampleIds ? { sampleIds: options.sampleIds } : {}),
      status,
      ...(since ? { since } : {}),
      signal,
      emit,
    });
    const sampleOutcomes: DownloadSampleOutcome[] = [...selection.skipped];
    if (selection.archived.length > 0) {
      if (options.restore) {
        const restore = typeof options.restore === 'object' ? options.restore : {};
        await restoreAndWait(api, selection.archived, { ...restore, signal, emit });
        // Fresh details (and URLs) are read when each restored sample is processed.
        selection.samples.push(...selection.archived.map(({ detail: _, ...s }) => s));
      } else if (options.skipArchived) {
        for (const s of selection.archived) {
          sampleOutcomes.push({ ...outcomeOf(s), outcome: 'skipped-archived', files: 0 });
        }
        emit({
          type: 'warning',
          code: 'archived-skipped',
          message: `Skipped ${selection.archived.length} archived sample(s): ${selection.archived
            .map((s) => s.id)
            .join(', ')}. Restore them with \`gencove projects restore-samples\` or use --restore.`,
        });
      } else {
        throw new ArchivedSamplesError(archivedView(selection.archived));
      }
    }
    const run = new Run(api, sink, template, filter, {
      api,
      sink,
      budget,
      tuning,
      fetch: {
        dispatcher,
        retry: new RetryPolicy({ maxAttempts: 8, maxElapsedMs: 300_000, ...options.retry }),
        timeoutMs: options.timeoutMs ?? DEFAULT_TRANSFER_TIMEOUT_MS,
        signal,
      },
      signal,
      skipExisting: options.skipExisting ?? true,
      verifyExisting: options.verifyExisting ?? false,
      hash: options.verify ?? true,
      transfers: { active: 0 },
      checksums: options.checksums ?? false,
      emit,
      onFetched: () => {},
    });
    let fetchedBytes = 0;
    run.ctx.onFetched = (n) => {
      fetchedBytes += n;
    };

    const planned = await run.planAll(selection.samples);
    emit({
      type: 'plan',
      samples: planned.length,
      archived: selection.archived.length,
      skipped: sampleOutcomes.length,
      files: planned.reduce((n, p) => n + p.plans.length, 0),
      bytes: planned.reduce((n, p) => n + p.plans.reduce((m, f) => m + (f.file?.size ?? 0), 0), 0),
    });
    if (sink.kind === 'stream') await run.streamOne(planned);
    else await run.deliverAll(planned, maxFiles, abort);

    sampleOutcomes.push(...run.sampleOutcomes);
    const files = run.files;
    const highWaterMark = nextHighWaterMark(
      undefined,
      run.sampleOutcomes.filter((s) => s.outcome === 'delivered').map((s) => s.statusCreated),
      sampleOutcomes
        .filter((s) => s.outcome === 'skipped-archived' || s.outcome === 'failed')
        .map((s) => s.statusCreated),
    );
    if (files.length === 0) emit(NO_FILES_WARNING);
    const result: DownloadResult = {
      destination: describeSink(sink),
      samples: sampleOutcomes,
      files,
      totals: {
        samples: run.sampleOutcomes.length,
        files: files.length,
        downloaded: files.filter((f) => f.outcome === 'downloaded').length,
        skipped: files.filter((f) => f.outcome === 'skipped').length,
        failed: files.filter((f) => f.outcome === 'failed').length,
        fetchedBytes,
        deliveredBytes: files
          .filter((f) => f.outcome !== 'failed')
          .reduce((sum, f) => sum + f.bytes, 0),
      },
      ...(highWaterMark ? { highWaterMark } : {}),
      warnings,
      elapsedMs: Date.now() - startedAt,
    };
    if (run.failures.length === 0 && options.sinceStateFile) {
      const mark = laterTimestamp(previousMark, highWaterMark);
      if (mark && mark !== previousMark) await writeSinceState(options.sinceStateFile, mark);
    }
    emit({ type: 'done', result });
    if (run.failures.length > 0) {
      const error = new DownloadFailedError(run.failures);
      error.result = result;
      throw error;
    }
    return result;
  } finally {
    abort.abort();
    closeSink(sink);
    if (ownDispatcher) await dispatcher.close().catch(() => {});
  }
}

function outcomeOf(s: SelectedSample): Omit<DownloadSampleOutcome, 'outcome' | 'files'> {
  return { id: s.id, clientId: s.clientId, status: s.status, statusCreated: s.statusCreated };
}

async function checkFileTypes(
  api: DownloadApi,
  options: DownloadOptions,
  filter: FileTypeFilter,
  emit: (event: DownloadEvent) => void,
  signal: AbortSignal,
) {
  let known: string[];
  try {
    const types = await api.listFileTypes({
      ...(options.projectId ? { projectId: options.projectId } : {}),
      signal,
    });
    known = types.map((t) => t.key);
  } catch (error) {
    if (isRunFatal(error)) throw error;
    emit({
      type: 'warning',
      code: 'file-types-unavailable',
      message: `Could not read the list of file types (${(error as Error).message}); --file-types is not checked.`,
    });
    return;
  }
  validateFileTypes(filter.requested ?? [], known);
}

interface PlannedSample {
  sample: SelectedSample;
  plans: PlannedFile[];
}

/** The state of one run's deliveries: plans, claimed targets, outcomes and failures. */
class Run {
  readonly files: FileOutcome[] = [];
  readonly failures: FileFailure[] = [];
  readonly sampleOutcomes: DownloadSampleOutcome[] = [];
  readonly #claimed = new Map<string, string>();
  /** Side files (see {@link sideFiles}) → the file they belong to. */
  readonly #besides = new Map<string, string>();
  /** Aborts every transfer of the run (set by {@link deliverAll}). */
  #stopRun: () => void = () => {};

  constructor(
    private readonly api: DownloadApi,
    private readonly sink: Sink,
    private readonly template: DownloadTemplate,
    private readonly filter: FileTypeFilter,
    readonly ctx: DeliveryContext,
  ) {}

  /**
   * Reads every selected sample's details (a few at a time) and plans its files, so that totals
   * are known and a bad template or a hostile file name is found before any byte moves.
   */
  async planAll(samples: SelectedSample[]): Promise<PlannedSample[]> {
    const limit = pLimit(8);
    const planned = await Promise.all(
      samples.map((sample) =>
        limit(async () => ({ sample, plans: await this.#planSample(sample) })),
      ),
    );
    return planned.filter((p): p is PlannedSample => p.plans !== undefined);
  }

  async deliverAll(planned: PlannedSample[], maxFiles: number, abort: AbortController) {
    const fileLimit = pLimit(maxFiles);
    this.#stopRun = () => abort.abort();
    let fatal: unknown;
    await Promise.all(
      planned.map(async ({ sample, plans }) => {
        try {
          await this.#deliverPlans(sample, plans, fileLimit);
        } catch (error) {
          if (fatal === undefined) {
            fatal = error;
            abort.abort();
          }
        }
      }),
    );
    if (fatal !== undefined) throw fatal;
  }

  /** `-`: exactly one file of the whole selection is streamed. */
  async streamOne(planned: PlannedSample[]) {
    const all = planned.flatMap((p) => p.plans);
    const count = all.length + this.failures.length;
    if (count !== 1 || this.failures.length > 0) {
      const names = [
        ...all.map((p) => `${p.sampleId} ${p.fileType}`),
        ...this.failures.map((f) => `${f.sampleId} ${f.fileType}`),
      ];
      throw new DownloadInputError(
        'DESTINATION',
        `"-" streams exactly one file, but the selection has ${count}` +
          (count > 0 ? ` (${names.slice(0, 10).join(', ')}${count > 10 ? ', …' : ''})` : '') +
          '; narrow it with --sample-ids and --file-types.',
      );
    }
    const { sample, plans } = planned.find((p) => p.plans.length === 1)!;
    await this.#deliverPlans(sample, plans, pLimit(1));
  }

  async #deliverPlans(
    sample: SelectedSample,
    plans: PlannedFile[],
    fileLimit: ReturnType<typeof pLimit>,
  ) {
    const { emit } = this.ctx;
    emit({
      type: 'sample-start',
      sampleId: sample.id,
      clientId: sample.clientId,
      files: plans.length,
    });
    // Settled, not raced: after a run-fatal error the other files stop (the run is aborted) and
    // release their locks and files before the error leaves the job.
    const settled = await Promise.allSettled(
      plans.map((plan) => fileLimit(() => this.#deliverOne(plan))),
    );
    const fatal = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (fatal) throw fatal.reason;
    const outcome = this.failures.some((f) => f.sampleId === sample.id) ? 'failed' : 'delivered';
    this.sampleOutcomes.push({ ...outcomeOf(sample), outcome, files: plans.length });
    emit({ type: 'sample-done', sampleId: sample.id, clientId: sample.clientId, outcome });
  }

  async #deliverOne(plan: PlannedFile) {
    if (this.ctx.signal.aborted) throw new AbortError();
    try {
      const outcome = await deliverFile(plan, this.ctx);
      this.files.push(outcome);
      this.ctx.emit({ type: 'file-done', ...outcome });
    } catch (caught) {
      const error = diskFullError(caught, plan.target) ?? caught;
      if (isRunFatal(error) || this.ctx.signal.aborted) {
        this.#stopRun();
        throw error;
      }
      this.#fail(
        plan.sampleId,
        plan.clientId,
        plan.fileType,
        plan.target,
        error as Error,
        plan.file?.id,
      );
    }
  }

  #fail(
    sampleId: string,
    clientId: string,
    fileType: string,
    target: string,
    error: Error,
    fileId?: string,
  ) {
    const code = (error as { code?: unknown }).code;
    const outcome: FileOutcome = {
      sampleId,
      clientId,
      ...(fileId ? { fileId } : {}),
      fileType,
      target,
      outcome: 'failed',
      bytes: 0,
      fetchedBytes: 0,
      resumedBytes: 0,
      verified: false,
      error: { code: typeof code === 'string' ? code : 'ERR_GENCOVE', message: error.message },
    };
    this.files.push(outcome);
    this.failures.push({ sampleId, fileType, target, error });
    this.ctx.emit({ type: 'file-done', ...outcome });
  }

  /** Reads the sample's details and turns its admitted files into planned deliveries. */
  async #planSample(sample: SelectedSample): Promise<PlannedFile[] | undefined> {
    const { signal } = this.ctx;
    let detail = sample.detail;
    if (!detail) {
      try {
        detail = await this.api.getSample(sample.id, { signal });
      } catch (error) {
        // Deleted between the listing and now: that sample fails, the run goes on.
        if (!(error instanceof NotFoundError)) throw error;
        this.#fail(sample.id, sample.clientId, '*', sample.id, error);
        this.sampleOutcomes.push({ ...outcomeOf(sample), outcome: 'failed', files: 0 });
        return undefined;
      }
    }
    sample.statusCreated = detail.last_status?.created ?? sample.statusCreated;
    const archive = detail.archive_last_status?.status;
    if (archive && !isAvailableArchiveStatus(archive)) {
      throw new ArchivedSamplesError(archivedView([{ ...sample, archiveStatus: archive }]));
    }
    const urls = new SampleUrls(
      detail,
      (id, s) => this.api.getSample(id, { signal: s ?? signal }),
      (sampleId) => this.ctx.emit({ type: 'url-refresh', sampleId }),
    );
    const clientId = detail.client_id ?? sample.clientId;
    const plans: PlannedFile[] = [];
    const plan = (
      fileType: string,
      kind: PlannedFile['kind'],
      filename: string,
      extra: Pick<PlannedFile, 'file' | 'source'> | undefined,
    ) => {
      let target: string;
      try {
        const segments = renderDownloadPath(this.template, {
          client_id: clientId,
          gencove_id: detail.id,
          file_type: fileType,
          file_extension: fileExtension(filename),
          default_filename: filename,
        });
        target = targetOf(this.sink, segments, `The file name for ${detail.id} (${fileType})`);
      } catch (error) {
        if (!(error instanceof UnsafePathError)) throw error;
        this.#fail(
          detail.id,
          clientId,
          fileType,
          `${detail.id} ${fileType}`,
          error,
          extra?.file?.id,
        );
        return;
      }
      const clash = this.#claim(target, `${detail.id} ${fileType}`, kind);
      if (clash) {
        this.#fail(detail.id, clientId, fileType, target, clash, extra?.file?.id);
        return;
      }
      plans.push({ sampleId: detail.id, clientId, fileType, kind, target, ...extra });
    };
    for (const file of detail.files) {
      if (!file.file_type || !this.filter.admits(file.file_type)) continue;
      if (!file.download_url) {
        this.#fail(
          detail.id,
          clientId,
          file.file_type,
          `${detail.id} ${file.file_type}`,
          new UnsafePathError(
            `Sample ${detail.id} lists ${file.file_type} without a download URL.`,
          ),
          file.id,
        );
        continue;
      }
      const label = `${detail.id} ${file.file_type}`;
      plan(file.file_type, 'deliverable', defaultFilename(file.download_url), {
        file,
        source: urls.source(file, label),
      });
    }
    if (this.filter.admits(QC_FILE_TYPE))
      plan(QC_FILE_TYPE, 'qc', `${detail.id}_qc.json`, undefined);
    if (this.filter.admits(METADATA_FILE_TYPE)) {
      plan(METADATA_FILE_TYPE, 'metadata', `${detail.id}_metadata.json`, undefined);
    }
    return plans;
  }

  /**
   * Reserves a target and the names its delivery writes beside it. Two targets on one name are
   * a template mistake (the run stops); a target on another's `.part`, `.part.json` or `.sha256`
   * would be overwritten or renamed away mid-run: that file fails, named, before any byte moves.
   */
  #claim(target: string, who: string, kind: PlannedFile['kind']): UnsafePathError | undefined {
    if (this.sink.kind === 'stream') return undefined;
    const previous = this.#claimed.get(target);
    if (previous !== undefined) {
      throw new DownloadInputError(
        '--download-template',
        `Bad --download-template: ${previous} and ${who} both resolve to ${target}. ` +
          'Include {gencove_id}, {file_type} or {default_filename} so that every file gets its own name.',
      );
    }
    const besides = sideFiles(target, kind, this.sink.kind, this.ctx.checksums);
    const clash = [target, ...besides]
      .map((name) => ({ name, owner: this.#besides.get(name) ?? this.#claimed.get(name) }))
      .find((c) => c.owner !== undefined);
    if (clash) {
      return new UnsafePathError(
        `${who} would be written to ${target}, which clashes with ${clash.name}, written for ` +
          `${clash.owner} (a file and the working files beside another: .part, .part.json, .sha256). ` +
          'Nothing was written for it; a --download-template with {file_type} keeps them apart.',
      );
    }
    this.#claimed.set(target, who);
    for (const name of besides) this.#besides.set(name, who);
    return undefined;
  }
}

/** What a delivery writes next to its target (temporary files and the checksum sidecar). */
function sideFiles(
  target: string,
  kind: PlannedFile['kind'],
  sink: Sink['kind'],
  checksums: boolean,
): string[] {
  const names: string[] = [];
  if (sink === 'disk') {
    // qc / metadata JSON goes through `<name>.part` only (writeFileAtomic)
    names.push(
      ...(kind === 'deliverable' ? workingFiles(target) : [partPath(target)]),
      lockPath(target),
    );
  }
  if (checksums && kind === 'deliverable') {
    names.push(`${target}.sha256`);
    if (sink === 'disk') names.push(partPath(`${target}.sha256`));
  }
  return names;
}
