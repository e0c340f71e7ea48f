import { newId } from './ids.js';
import type { Project, Sample, Store } from './state.js';

/** A new sample of a project in status `created` (not yet enrolled in the pipeline). */
export function newSample(
  store: Store,
  project: Project,
  fields: {
    runId: string;
    clientId: string;
    metadata: unknown;
    uploads: { r1: string | null; r2: string | null };
  },
): Sample {
  const now = store.now();
  return {
    id: newId(),
    projectId: project.id,
    runId: fields.runId,
    clientId: fields.clientId,
    createdMs: now,
    modifiedMs: now,
    hidden: false,
    deleted: false,
    lastStatus: store.status('created'),
    archiveStatus: store.archiveStatus('available'),
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
