import type { App } from '../app.js';
import { ApiError } from '../errors.js';
import type { Ctx } from '../http.js';
import { sendJson } from '../http.js';
import { newId, normalizeUuid } from '../ids.js';
import type { Router } from '../router.js';
import { newSample } from '../sample-factory.js';
import type { Project, Sample, User } from '../state.js';

/** What the official client sends per call (it batches by 100). */
const MAX_SAMPLES = 100;
/** `project-samples-copy/` only takes samples that finished at least this long ago. */
const COPY_MIN_AGE_MS = 24 * 3600 * 1000;

export const NO_PROJECT = 'Project does not exist or you do not have privileges to access it.';

const obj = (body: unknown): Record<string, unknown> =>
  body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};

/** The destination project named by `project_id`, or production's bare-list 400. */
export function destinationProject(app: App, user: User, body: unknown): Project {
  const project = app.store.projectFor(user.orgId, normalizeUuid(obj(body).project_id));
  if (!project) throw new ApiError(400, [NO_PROJECT]);
  return project;
}

/** Enrols new samples in the pipeline (and runs them at once in 'instant' mode). */
export async function startSamples(app: App, project: Project, samples: Sample[]): Promise<void> {
  for (const s of samples) {
    app.store.addSample(project, s);
    app.pipeline.start(s);
  }
  if (samples.length) project.modifiedMs = app.store.now();
  if (app.pipeline.instant) await app.pipeline.runNow(samples);
}

const finished = (s: Sample): boolean =>
  (s.lastStatus.status === 'succeeded' || s.lastStatus.status === 'failed qc') &&
  /^(available|restored)/.test(s.archiveStatus.status);

export function existingSampleRoutes(router: Router, app: App): void {
  const { store, auth } = app;

  /** `samples: [{sample_id}]` resolved to samples of the user's organization, or a 400. */
  const sourceSamples = (ctx: Ctx, user: User, rule: (s: Sample) => boolean, message: string) => {
    const list = obj(ctx.body).samples;
    if (!Array.isArray(list)) throw new ApiError(400, { samples: ['This field is required.'] });
    if (list.length === 0) throw new ApiError(400, { samples: ['This list may not be empty.'] });
    if (list.length > MAX_SAMPLES) {
      throw new ApiError(400, {
        samples: [`Ensure this field has no more than ${MAX_SAMPLES} elements.`],
      });
    }
    const samples = list.map((entry) =>
      store.sampleFor(user.orgId, normalizeUuid(obj(entry).sample_id)),
    );
    if (samples.some((s) => !s || !rule(s))) throw new ApiError(400, { samples: [message] });
    return samples as Sample[];
  };

  router.on('POST', '/api/v2/project-samples-import', async (ctx) => {
    const user = auth.authenticate(ctx);
    const project = destinationProject(app, user, ctx.body);
    const sources = sourceSamples(
      ctx,
      user,
      finished,
      'All samples must be available and in succeeded or failed_qc status.',
    );
    const body = obj(ctx.body);
    const metadata = body.metadata === undefined ? undefined : body.metadata;
    const runId = newId();
    // an import analyses the same inputs again, with the destination project's pipeline
    const created = sources.map((src) =>
      newSample(store, project, {
        runId,
        clientId: src.clientId,
        metadata: metadata === undefined ? src.metadata : metadata,
        uploads: src.uploads,
      }),
    );
    await startSamples(app, project, created);
    sendJson(ctx, 202, {
      project_id: project.id,
      samples: sources.map((s) => ({ sample_id: s.id, client_id: s.clientId })),
      metadata: metadata ?? null,
    });
  });

  router.on('POST', '/api/v2/project-samples-copy', (ctx) => {
    const user = auth.authenticate(ctx);
    const project = destinationProject(app, user, ctx.body);
    const now = store.now();
    const sources = sourceSamples(
      ctx,
      user,
      (s) => finished(s) && now - Date.parse(s.lastStatus.created) >= COPY_MIN_AGE_MS,
      'All samples must be available for at least 24 hours and in succeeded or failed_qc status.',
    );
    const runId = newId();
    for (const src of sources) {
      // a copy is finished at once: the source's status, QC and deliverables (the same objects)
      const copy = newSample(store, project, {
        runId,
        clientId: src.clientId,
        metadata: src.metadata,
        uploads: src.uploads,
      });
      copy.lastStatus = store.status(src.lastStatus.status, src.lastStatus.note);
      copy.qc = structuredClone(src.qc);
      copy.failedQc = src.failedQc ? [...src.failedQc] : null;
      copy.lazyDeliverables = src.lazyDeliverables;
      store.addSample(project, copy);
      for (const f of src.files) {
        store.addSampleFile(copy, { ...f, id: newId() });
        project.presentTypes.add(f.fileType);
      }
    }
    if (sources.length) project.modifiedMs = now;
    sendJson(ctx, 202, {
      project_id: project.id,
      samples: sources.map((s) => ({ sample_id: s.id, client_id: s.clientId })),
    });
  });
}
