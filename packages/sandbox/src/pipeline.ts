import { createHash } from 'node:crypto';
import type { PipelineClock } from './clock.js';
import { deliverableContent, deliverableFilename } from './deliverables.js';
import { fetchSource } from './fetchsource.js';
import { newId } from './ids.js';
import type { Lifecycle } from './lifecycle.js';
import { failedQcKeys, qcResults } from './qc.js';
import type { ObjectStore } from './s3/objects.js';
import { hasDeliverables, type Sample, type SampleFile, type Store, TERMINAL } from './state.js';
import type { PipelineMode } from './types.js';
import type { Webhooks } from './webhooks.js';

/** Stage length of the 'manual' pipeline, in pipeline-clock ms. */
export const MANUAL_STEP_MS = 1000;
/** FASTQ inputs up to this size are copied into the deliverables as fastq-r1 / fastq-r2. */
const FASTQ_COPY_LIMIT = 8 * 1024 * 1024;
/** How long a restored sample stays restored (transition_cutoff). */
const RESTORE_PERIOD_MS = 7 * 24 * 3600 * 1000;

export interface Outcome {
  status: 'succeeded' | 'failed qc' | 'failed';
  note: string;
}

/** Outcome rule: client_id containing FAILQC → failed qc; containing FAIL → failed; else succeeded. */
export function outcomeFor(clientId: string): Outcome {
  if (clientId.includes('FAILQC')) return { status: 'failed qc', note: '' };
  if (clientId.includes('FAIL')) {
    return { status: 'failed', note: 'Analysis failed (sandbox rule: client_id contains FAIL).' };
  }
  return { status: 'succeeded', note: '' };
}

export interface PipelineDeps {
  store: Store;
  clock: PipelineClock;
  lifecycle: Lifecycle;
  objects: ObjectStore;
  buckets: { uploads: string; results: string };
  webhooks: Webhooks;
  mode: PipelineMode;
}

const seedOf = (id: string): number => createHash('sha256').update(id).digest().readUInt32LE(0);

/** Moves assigned samples created → running → terminal on the pipeline clock. */
export class Pipeline {
  private readonly inflight = new Set<Sample>();
  private readonly restoring = new Set<Sample>();
  private readonly jobs = new Set<Promise<void>>();
  readonly stepMs: number;
  /** Other work on the same clock (batches, merged VCFs), synced along with the samples. */
  readonly others: Array<() => Promise<void>> = [];

  constructor(private readonly deps: PipelineDeps) {
    const { mode } = deps;
    this.stepMs = typeof mode === 'object' ? mode.stepMs : mode === 'manual' ? MANUAL_STEP_MS : 0;
    if (typeof mode === 'object') {
      const every = Math.min(1000, Math.max(20, Math.floor(mode.stepMs / 4)));
      deps.lifecycle.interval(every, () => {
        void this.sync();
      });
    }
  }

  get instant(): boolean {
    return this.deps.mode === 'instant';
  }

  /** Enrols a newly assigned sample (status `created`). */
  start(sample: Sample): void {
    const { store, clock } = this.deps;
    sample.lastStatus = store.status('created');
    sample.pipeline = { stageStart: clock.pipelineNow(), finalizing: false };
    this.inflight.add(sample);
  }

  /** 'instant' mode: runs the given samples to completion now. */
  async runNow(samples: Sample[]): Promise<void> {
    for (const s of samples) {
      if (!s.pipeline) continue;
      s.lastStatus = this.deps.store.status('running');
      s.pipeline.finalizing = true;
    }
    await this.finishBatch(samples.filter((s) => s.pipeline));
  }

  /**
   * Applies every transition that is due on the pipeline clock; resolves once all finalizations
   * (including ones started earlier) have completed.
   */
  async sync(): Promise<void> {
    if (this.deps.lifecycle.closed) return;
    const { store, clock } = this.deps;
    const now = clock.pipelineNow();
    const finishing: Sample[] = [];
    for (const s of this.inflight) {
      const p = s.pipeline;
      if (!p || p.finalizing) continue;
      if (s.lastStatus.status === 'created' && now - p.stageStart >= this.stepMs) {
        p.stageStart += this.stepMs;
        s.lastStatus = store.status('running');
        store.touchSample(s);
      }
      if (s.lastStatus.status === 'running' && now - p.stageStart >= this.stepMs) {
        p.finalizing = true;
        finishing.push(s);
      }
    }
    const restored = [...this.restoring].filter(
      (s) => s.restoreDue !== null && now >= s.restoreDue,
    );
    if (restored.length) this.finishRestores(restored);
    if (finishing.length) this.finishBatch(finishing);
    await Promise.all(this.others.map((sync) => sync()));
    while (this.jobs.size) await Promise.all([...this.jobs]);
  }

  private finishBatch(samples: Sample[]): Promise<void> {
    const job = (async () => {
      await Promise.all(samples.map((s) => this.finalize(s)));
      this.emitAnalysisComplete(samples);
    })();
    const tracked = this.deps.lifecycle.track(job).finally(() => this.jobs.delete(tracked));
    this.jobs.add(tracked);
    return tracked;
  }

  private async finalize(sample: Sample): Promise<void> {
    const { store } = this.deps;
    let outcome = outcomeFor(sample.clientId);
    try {
      const inputProblem = await this.prepareInputs(sample);
      if (inputProblem) outcome = { status: 'failed', note: inputProblem };
      if (hasDeliverables(outcome.status)) await this.generateDeliverables(sample);
    } catch (err) {
      outcome = { status: 'failed', note: `sandbox pipeline error: ${(err as Error).message}` };
    }
    if (this.deps.lifecycle.closed || sample.lastStatus.status === 'canceled') return;
    this.applyOutcome(sample, outcome.status, outcome.note);
    sample.pipeline = null;
    this.inflight.delete(sample);
    store.touchSample(sample);
  }

  private applyOutcome(sample: Sample, status: string, note: string): void {
    sample.qc = qcResults(status, seedOf(sample.id));
    sample.failedQc = failedQcKeys(status);
    sample.lastStatus = this.deps.store.status(status, note);
  }

  /** Fetches URL imports and checks local uploads; returns a failure note or undefined. */
  private async prepareInputs(sample: Sample): Promise<string | undefined> {
    const { store, objects, buckets, lifecycle } = this.deps;
    for (const id of [sample.uploads.r1, sample.uploads.r2]) {
      const upload = id ? store.uploads.get(id) : undefined;
      if (!upload) continue;
      if (upload.sourceUrl) {
        const result = await fetchSource(
          upload.sourceUrl,
          objects,
          upload.bucket,
          upload.key,
          lifecycle,
        );
        if (!result.ok) return result.note;
      } else if (upload.lastStatus.status !== 'succeeded') {
        const head = await objects.head(buckets.uploads, upload.key);
        if (!head) {
          return `input file ${upload.destinationPath} was never uploaded (upload status ${upload.lastStatus.status})`;
        }
        upload.lastStatus = store.status('succeeded');
        upload.modifiedMs = store.now();
      }
    }
    return undefined;
  }

  /** Writes the project's deliverables (and small FASTQ copies) into the results bucket. */
  async generateDeliverables(sample: Sample): Promise<void> {
    const { store, objects, buckets } = this.deps;
    const project = store.projects.get(sample.projectId);
    if (!project) return;
    const files: SampleFile[] = [];
    // Deliverables attached with control.addExternalFiles are kept as they are.
    const external = new Set(sample.files.filter((f) => f.url).map((f) => f.fileType));
    for (const fileType of project.fileTypes) {
      if (external.has(fileType)) continue;
      const filename = deliverableFilename(sample.id, fileType);
      const key = `deliverables/${sample.id}/${filename}`;
      const body = deliverableContent(fileType, sample.id, sample.clientId);
      await objects.put(buckets.results, key, body);
      files.push({
        id: newId(),
        fileType,
        bucket: buckets.results,
        key,
        size: body.length,
        sha256: createHash('sha256').update(body).digest('hex'),
        filename,
      });
    }
    for (const [read, id] of [
      ['r1', sample.uploads.r1],
      ['r2', sample.uploads.r2],
    ] as const) {
      const upload = id ? store.uploads.get(id) : undefined;
      // CRAM inputs (S3 imports) are not FASTQ: no fastq-r1 copy of them
      if (!upload || external.has(`fastq-${read}`) || upload.key.endsWith('.cram')) continue;
      const head = await objects.head(upload.bucket, upload.key);
      if (!head || head.size > FASTQ_COPY_LIMIT) continue;
      const source = await objects.getStream(upload.bucket, upload.key);
      if (!source) continue;
      const fileType = `fastq-${read}`;
      const filename = deliverableFilename(sample.id, fileType);
      const key = `deliverables/${sample.id}/${filename}`;
      const { size } = await objects.putStream(buckets.results, key, source, head.size);
      // FASTQ copies carry no checksum, as observed in production responses (spec §7.2)
      files.push({
        id: newId(),
        fileType,
        bucket: buckets.results,
        key,
        size,
        sha256: '',
        filename,
      });
    }
    for (const file of files) {
      store.addSampleFile(sample, file);
      project.presentTypes.add(file.fileType);
    }
  }

  /** Seeded samples get their deliverables on first read. */
  ensureDeliverables(sample: Sample): Promise<void> {
    if (!sample.lazyDeliverables || !hasDeliverables(sample.lastStatus.status)) {
      return Promise.resolve();
    }
    if (!sample.deliverablesPending) {
      sample.deliverablesPending = this.generateDeliverables(sample).then(
        () => {
          sample.lazyDeliverables = false;
          sample.deliverablesPending = null;
        },
        (err: unknown) => {
          sample.deliverablesPending = null;
          throw err;
        },
      );
    }
    return sample.deliverablesPending;
  }

  /** Forces a status (control API); takes the sample out of automatic progression. */
  async setStatus(sample: Sample, status: string, note = ''): Promise<void> {
    const { store } = this.deps;
    this.inflight.delete(sample);
    sample.pipeline = null;
    if (hasDeliverables(status) && sample.files.every((f) => f.url !== undefined)) {
      await this.generateDeliverables(sample);
    }
    this.applyOutcome(sample, status, note);
    store.touchSample(sample);
    if (TERMINAL.has(status)) this.emitAnalysisComplete([sample]);
  }

  /** Stops the analysis of samples that have not finished: status `canceled`, no deliverables. */
  cancel(samples: Sample[]): void {
    const { store } = this.deps;
    for (const s of samples) {
      this.inflight.delete(s);
      s.pipeline = null;
      s.lastStatus = store.status('canceled', 'Analysis canceled by the user.');
      store.touchSample(s);
    }
  }

  requestRestore(samples: Sample[]): void {
    const { store, clock } = this.deps;
    for (const s of samples) {
      s.archiveStatus = store.archiveStatus('restore_requested');
      s.restoreDue = clock.pipelineNow() + this.stepMs;
      this.restoring.add(s);
      store.touchSample(s);
    }
    if (this.instant) this.finishRestores(samples);
  }

  completeRestores(): void {
    if (this.restoring.size) this.finishRestores([...this.restoring]);
  }

  private finishRestores(samples: Sample[]): void {
    const { store } = this.deps;
    for (const s of samples) {
      s.archiveStatus = store.archiveStatus('restored', store.now() + RESTORE_PERIOD_MS);
      s.restoreDue = null;
      this.restoring.delete(s);
      store.touchSample(s);
    }
    for (const [projectId, group] of groupByProject(samples)) {
      this.deps.webhooks.emit(
        'samples_restored',
        {
          project: { id: projectId },
          samples: group.map((s) => ({
            id: s.id,
            client_id: s.clientId,
            archive_last_status: { status: s.archiveStatus.status },
          })),
        },
        store.now(),
      );
    }
  }

  private emitAnalysisComplete(samples: Sample[]): void {
    const done = samples.filter((s) => TERMINAL.has(s.lastStatus.status));
    for (const [projectId, group] of groupByProject(done)) {
      this.deps.webhooks.emit(
        'analysis_complete_v2',
        {
          project: { id: projectId },
          samples: group.map((s) => ({
            id: s.id,
            client_id: s.clientId,
            last_status: { status: s.lastStatus.status },
          })),
        },
        this.deps.store.now(),
      );
    }
  }
}

function groupByProject(samples: Sample[]): Map<string, Sample[]> {
  const groups = new Map<string, Sample[]>();
  for (const s of samples) {
    const list = groups.get(s.projectId) ?? [];
    list.push(s);
    groups.set(s.projectId, list);
  }
  return groups;
}
