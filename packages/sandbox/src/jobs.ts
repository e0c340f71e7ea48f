import { createHash } from 'node:crypto';
import type { PipelineClock } from './clock.js';
import { deliverableFilename } from './deliverables.js';
import { newId } from './ids.js';
import type { Lifecycle } from './lifecycle.js';
import { batchReport, multiSampleVcf } from './project-files.js';
import type { ObjectStore } from './s3/objects.js';
import {
  type Batch,
  hasDeliverables,
  type Job,
  type MergeJob,
  type Project,
  type Sample,
  type SampleFile,
  type Store,
} from './state.js';

export interface JobDeps {
  store: Store;
  clock: PipelineClock;
  lifecycle: Lifecycle;
  objects: ObjectStore;
  buckets: { results: string };
  /** pipeline-clock length of each job status (queued, running); 0 = finish at once */
  stepMs: number;
}

/** Samples a merged VCF is made of: finished with deliverables (incl. an imputed VCF). */
export function mergeInputs(project: Project): Sample[] {
  return project.samples
    .filter((s) => !s.deleted && hasDeliverables(s.lastStatus.status))
    .filter((s) => s.lazyDeliverables || s.files.some((f) => f.fileType === 'impute-vcf'))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
}

export const mergeInputsKey = (project: Project): string =>
  mergeInputs(project)
    .map((s) => s.id)
    .join(',');

/**
 * Batches and merged-VCF jobs of projects: `queued` → `running` → `succeeded` (or `failed`), one
 * status per pipeline step, like samples. On success a batch gets its report (a ZIP) and a merge
 * its VCF, which replaces the project's `impute-vcf-merged` file.
 */
export class ProjectJobs {
  private readonly active = new Set<Batch | MergeJob>();
  private readonly writing = new Set<Promise<void>>();

  constructor(private readonly deps: JobDeps) {}

  /** Enrols a new job (status `queued`); with stepMs 0 it is finished before this resolves. */
  async start(job: Batch | MergeJob): Promise<void> {
    job.stageStart = this.deps.clock.pipelineNow();
    this.active.add(job);
    if (this.deps.stepMs === 0) {
      job.lastStatus = this.deps.store.status('running');
      await this.finish(job);
    }
  }

  /** Applies every due transition; resolves when the outputs being written are stored. */
  async sync(): Promise<void> {
    const { store, clock, stepMs } = this.deps;
    const now = clock.pipelineNow();
    for (const job of this.active) {
      if (job.finishing) continue;
      if (job.lastStatus.status === 'queued' && now - job.stageStart >= stepMs) {
        job.stageStart += stepMs;
        job.lastStatus = store.status('running');
      }
      if (job.lastStatus.status === 'running' && now - job.stageStart >= stepMs) {
        const writing = this.deps.lifecycle.track(this.finish(job));
        this.writing.add(writing);
        void writing.finally(() => this.writing.delete(writing));
      }
    }
    while (this.writing.size) await Promise.all([...this.writing]);
  }

  private async finish(job: Batch | MergeJob): Promise<void> {
    const { store } = this.deps;
    job.finishing = true;
    const project = store.projects.get(job.projectId);
    let status = 'succeeded';
    let note = '';
    try {
      if (!project) throw new Error('the project was deleted');
      if ('batchType' in job) {
        if (job.name.includes('FAIL')) {
          status = 'failed';
          note = 'Batch failed (sandbox rule: batch name contains FAIL).';
        } else {
          job.files = [await this.writeBatchReport(project, job)];
        }
      } else {
        const file = await this.writeMergedVcf(project, job);
        job.files = [file];
        store.addProjectFile(project, file);
        project.modifiedMs = store.now();
      }
    } catch (err) {
      status = 'failed';
      note = `sandbox job error: ${(err as Error).message}`;
    }
    if (this.deps.lifecycle.closed) return;
    job.lastStatus = store.status(status, note);
    job.finishing = false;
    this.active.delete(job);
  }

  private async store(key: string, body: Buffer, fileType: string, filename: string) {
    const { objects, buckets } = this.deps;
    await objects.put(buckets.results, key, body);
    const file: SampleFile = {
      id: newId(),
      fileType,
      bucket: buckets.results,
      key,
      size: body.length,
      sha256: createHash('sha256').update(body).digest('hex'),
      filename,
    };
    return file;
  }

  private async writeBatchReport(project: Project, batch: Batch): Promise<SampleFile> {
    const { store } = this.deps;
    const rows = batch.sampleIds.map((id) => {
      const s = store.samples.get(id);
      return { sampleId: id, clientId: s?.clientId ?? '', status: s?.lastStatus.status ?? '' };
    });
    const filename = `${batch.id}_report.zip`;
    const file = await this.store(
      `batches/${batch.id}/${filename}`,
      batchReport(batch, rows),
      'report-zip',
      filename,
    );
    store.addProjectFile(project, file, false);
    return file;
  }

  private async writeMergedVcf(project: Project, job: MergeJob): Promise<SampleFile> {
    const { store } = this.deps;
    const clientIds = job.inputs.split(',').map((id) => store.samples.get(id)?.clientId ?? id);
    const filename = deliverableFilename(project.id, 'impute-vcf-merged');
    return this.store(
      `projects/${project.id}/${filename}`,
      multiSampleVcf(`${project.id}:${job.id}`, clientIds, 'gencove-sandbox merge'),
      'impute-vcf-merged',
      filename,
    );
  }
}

/** A job record in status `queued` (created now). */
export function newJob(store: Store, projectId: string): Job {
  return {
    id: newId(),
    projectId,
    createdMs: store.now(),
    lastStatus: store.status('queued'),
    stageStart: 0,
    finishing: false,
    files: [],
  };
}
