import type { PipelineClock } from './clock.js';
import { isoSpace, isoZ, newId } from './ids.js';

export interface StatusObj {
  id: string;
  status: string;
  note: string;
  created: string;
}

export interface ArchiveStatus {
  id: string;
  status: string;
  created: string;
  transition_cutoff: string | null;
}

export interface Org {
  id: string;
  name: string;
}

export interface User {
  id: string;
  email: string;
  password: string;
  name: string;
  orgId: string;
  created: string;
  /** One-time code required at login (MFA user). */
  otp?: string;
}

export interface Capability {
  id: string;
  name: string;
  key: string;
  private: boolean;
  merge_vcfs_enabled: boolean;
  version: string;
  /** Batch types (`project-batch-types/{id}`) of projects on this capability. */
  batchTypes: Array<{ key: string; description: string }>;
}

/** An analysis pipeline version (`GET pipeline/`), offering some capabilities. */
export interface PipelineVersion {
  id: string;
  version: string;
  createdMs: number;
  capabilityIds: string[];
}

/** A batch / merged-VCF job: queued → running → succeeded | failed on the pipeline clock. */
export interface Job {
  id: string;
  projectId: string;
  createdMs: number;
  lastStatus: StatusObj;
  /** pipeline-clock time at which the job entered its current status */
  stageStart: number;
  /** set while the job's output is being written */
  finishing: boolean;
  files: SampleFile[];
}

export interface Batch extends Job {
  name: string;
  batchType: string;
  sampleIds: string[];
}

export interface MergeJob extends Job {
  userId: string;
  /** The samples (sorted IDs) the merge covers: `up_to_date` while the project still has these. */
  inputs: string;
}

export interface SampleManifest {
  id: string;
  projectId: string;
  fileName: string;
  file: SampleFile;
  createdMs: number;
}

export interface Autoimport {
  id: string;
  orgId: string;
  projectId: string;
  /** `s3_uri` (S3) or `identifier` (BaseSpace). */
  source: string;
  metadata: unknown;
  createdMs: number;
}

export interface BaseSpaceProject {
  basespaceId: string;
  name: string;
  description: string;
  createdMs: number;
  biosamples: Array<{ basespaceId: string; name: string; createdMs: number }>;
}

export interface Project {
  id: string;
  name: string;
  description: string;
  orgId: string;
  createdMs: number;
  modifiedMs: number;
  hidden: boolean;
  /** Deleted with `projects-delete/`: gone from every endpoint (404). */
  deleted: boolean;
  capabilityId: string;
  /** Deliverable types the project's pipeline produces. */
  fileTypes: string[];
  /** Types actually present on finished samples (file-types?project_id=). */
  presentTypes: Set<string>;
  samples: Sample[];
  files: SampleFile[];
  /** Bumped on every change of a sample of the project (invalidates listing caches). */
  version: number;
  listCache: Map<string, Sample[]>;
  listCacheVersion: number;
}

export interface Upload {
  id: string;
  orgId: string;
  userId: string;
  destinationPath: string;
  folder: string;
  clientId: string;
  read: 'R1' | 'R2' | null;
  bucket: string;
  key: string;
  lastStatus: StatusObj;
  source: 'cli' | 'cli url' | 's3 import' | 'basespace import';
  sourceUrl: string | null;
  sampleId: string | null;
  /** Inputs of S3 / BaseSpace imports: never listed in the sample sheet. */
  imported?: boolean;
  deleted: boolean;
  createdMs: number;
  modifiedMs: number;
}

export interface SampleFile {
  id: string;
  fileType: string;
  bucket: string;
  key: string;
  size: number;
  sha256: string;
  filename: string;
  /**
   * Set for a deliverable attached with `control.addExternalFiles`: its bytes live at this URL
   * (answered verbatim as `download_url`); nothing is stored at `bucket`/`key`.
   */
  url?: string;
}

export interface QcResult {
  quality_control_type: Record<string, unknown> & { key: string; type: string };
  quality_control: {
    value_expected: number | null;
    value_measured: number | null;
    value_string: string;
    status: string;
  };
}

export interface PipelineState {
  /** pipeline-clock time at which the sample entered its current stage */
  stageStart: number;
  /** the sample is being finalized (deliverables being written) */
  finalizing: boolean;
}

export interface Sample {
  id: string;
  projectId: string;
  runId: string;
  clientId: string;
  createdMs: number;
  modifiedMs: number;
  hidden: boolean;
  deleted: boolean;
  lastStatus: StatusObj;
  archiveStatus: ArchiveStatus;
  failedQc: string[] | null;
  metadata: unknown;
  uploads: { r1: string | null; r2: string | null };
  files: SampleFile[];
  qc: QcResult[];
  /** set while the sample is progressing automatically */
  pipeline: PipelineState | null;
  /** pipeline-clock time at which a pending restore completes */
  restoreDue: number | null;
  /** deliverables are generated on first read (seeded large project) */
  lazyDeliverables: boolean;
  deliverablesPending: Promise<void> | null;
  /** cached JSON of the list item, valid while `listJsonKey` matches (see serialize.ts) */
  listJson?: string;
  listJsonKey?: string;
}

export const TERMINAL = new Set(['succeeded', 'failed', 'failed qc', 'canceled']);
export const hasDeliverables = (status: string): boolean =>
  /^(succeeded|failed)/i.test(status) && status.toLowerCase() !== 'failed';

/** In-memory database of the sandbox. */
export class Store {
  readonly orgs = new Map<string, Org>();
  readonly users = new Map<string, User>();
  readonly usersByEmail = new Map<string, User>();
  readonly apiKeys = new Map<string, string>();
  readonly projects = new Map<string, Project>();
  readonly capabilities = new Map<string, Capability>();
  readonly pipelines = new Map<string, PipelineVersion>();
  readonly batches = new Map<string, Batch>();
  /** project id → its latest merged-VCF job */
  readonly mergeJobs = new Map<string, MergeJob>();
  readonly manifests = new Map<string, SampleManifest>();
  readonly s3Autoimports: Autoimport[] = [];
  readonly basespaceAutoimports: Autoimport[] = [];
  readonly basespaceProjects = new Map<string, BaseSpaceProject>();
  /** capability id → reference-genome files every project on it lists (objects stored once) */
  readonly referenceGenomes = new Map<string, Omit<SampleFile, 'id'>[]>();
  readonly uploads = new Map<string, Upload>();
  /** `${orgId} ${destinationPath}` → upload */
  readonly uploadsByDest = new Map<string, Upload>();
  /** `${bucket}/${key}` → upload */
  readonly uploadsByKey = new Map<string, Upload>();
  readonly samples = new Map<string, Sample>();
  /** file id → owning sample (or project) file */
  readonly files = new Map<string, { sample?: Sample; project?: Project; file: SampleFile }>();

  /** Registers a project-level file (project files, batch reports, manifests): `.sha256` works. */
  addProjectFile(project: Project, file: SampleFile, listed = true): void {
    if (listed) {
      for (const old of project.files) {
        if (old.fileType === file.fileType) this.files.delete(old.id);
      }
      project.files = project.files.filter((f) => f.fileType !== file.fileType);
      project.files.push(file);
    }
    this.files.set(file.id, { project, file });
  }

  constructor(readonly clock: PipelineClock) {}

  now(): number {
    return this.clock.wallNow();
  }

  status(status: string, note = '', at = this.now()): StatusObj {
    return { id: newId(), status, note, created: isoZ(at) };
  }

  archiveStatus(status: string, cutoffMs: number | null = null, at = this.now()): ArchiveStatus {
    return {
      id: newId(),
      status,
      created: isoSpace(at),
      transition_cutoff: cutoffMs === null ? null : isoSpace(cutoffMs),
    };
  }

  touchSample(sample: Sample): void {
    sample.modifiedMs = Math.max(this.now(), sample.modifiedMs + 1);
    this.bumpProject(sample.projectId);
  }

  bumpProject(projectId: string): void {
    const project = this.projects.get(projectId);
    if (project) project.version++;
  }

  addSample(project: Project, sample: Sample): void {
    this.samples.set(sample.id, sample);
    project.samples.push(sample);
    project.version++;
  }

  addSampleFile(sample: Sample, file: SampleFile): void {
    for (const old of sample.files) {
      if (old.fileType === file.fileType) this.files.delete(old.id);
    }
    sample.files = sample.files.filter((f) => f.fileType !== file.fileType);
    sample.files.push(file);
    this.files.set(file.id, { sample, file });
  }

  addUpload(upload: Upload): void {
    this.uploads.set(upload.id, upload);
    this.uploadsByDest.set(`${upload.orgId} ${upload.destinationPath}`, upload);
    this.uploadsByKey.set(`${upload.bucket}/${upload.key}`, upload);
  }

  /** Project visible to an organization, or undefined. */
  projectFor(orgId: string, projectId: string | undefined): Project | undefined {
    if (!projectId) return undefined;
    const project = this.projects.get(projectId);
    return project && project.orgId === orgId && !project.deleted ? project : undefined;
  }

  sampleFor(orgId: string, sampleId: string | undefined): Sample | undefined {
    if (!sampleId) return undefined;
    const sample = this.samples.get(sampleId);
    if (!sample || sample.deleted) return undefined;
    return this.projectFor(orgId, sample.projectId) ? sample : undefined;
  }
}
