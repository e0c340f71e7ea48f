import { newId } from './ids.js';
import type { Project, Sample, Store } from './state.js';

/** A new sample of a project in status `created` (not yet enrolled in the pipeline). */
export function newSample(
  store: Store,
  project: Project,
  fields: {
    /** Default: a random ID, created now. */
    id?: string;
    createdMs?: number;
    runId: string;
    clientId: string;
    metadata: unknown;
    uploads: { r1: string | null; r2: string | null };
  },
): Sample {
  const now = fields.createdMs ?? store.now();
  return {
    id: fields.id ?? newId(),
    projectId: project.id,
    runId: fields.runId,
    clientId: fields.clientId,
    createdMs: now,
    modifiedMs: now,
    hidden: false,
    deleted: false,
    lastStatus: store.status('created', '', now),
    archiveStatus: store.archiveStatus('available', null, now),
    failedQc: null,
    metadata: structuredClone(fields.metadata ?? null),
    uploads: { ...fields.uploads },
    files: [],
    qc: [],
    pipeline: null,
    restoreDue: null,
    lazyDeliverables: false,
    deliverablesPending: null,
  };
}
