import type { App } from '../app.js';
import { ApiError, notFound } from '../errors.js';
import type { Ctx } from '../http.js';
import { sendJson } from '../http.js';
import { isoZ, normalizeUuid } from '../ids.js';
import { mergeInputs, mergeInputsKey, newJob } from '../jobs.js';
import { paginate } from '../pagination.js';
import type { Router } from '../router.js';
import { fileItem } from '../serialize.js';
import { type Batch, hasDeliverables, type MergeJob, type Project, type User } from '../state.js';

/** `create-batch` without `sample_ids` batches every eligible sample, this many per batch (a plate). */
export const BATCH_MAX_SAMPLES = 96;

const obj = (body: unknown): Record<string, unknown> =>
  body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};

export function batchItem(app: App, b: Batch): Record<string, unknown> {
  return {
    id: b.id,
    name: b.name,
    batch_type: b.batchType,
    sample_ids: b.sampleIds,
    last_status: b.lastStatus,
    files: b.files.map((f) => fileItem(app, f, true)),
  };
}

function mergeItem(project: Project, job: MergeJob): Record<string, unknown> {
  return {
    id: job.id,
    created: isoZ(job.createdMs),
    user: job.userId,
    last_status: job.lastStatus,
    up_to_date: job.lastStatus.status === 'succeeded' && job.inputs === mergeInputsKey(project),
  };
}

export function projectJobRoutes(router: Router, app: App): void {
  const { store, auth, jobs } = app;

  const projectOf = (ctx: Ctx): { user: User; project: Project } => {
    const user = auth.authenticate(ctx);
    const project = store.projectFor(user.orgId, normalizeUuid(ctx.params[0]));
    if (!project) throw notFound();
    return { user, project };
  };

  // batches ----------------------------------------------------------------------------------

  router.on('GET', '/api/v2/project-batch-types/([^/]+)', (ctx) => {
    const { project } = projectOf(ctx);
    const types = store.capabilities.get(project.capabilityId)?.batchTypes ?? [];
    sendJson(
      ctx,
      200,
      paginate(ctx, types, (t) => t),
    );
  });

  router.on('GET', '/api/v2/project-batches/([^/]+)', (ctx) => {
    const { project } = projectOf(ctx);
    const batches = [...store.batches.values()]
      .filter((b) => b.projectId === project.id)
      .sort((a, b) => b.createdMs - a.createdMs || (a.id < b.id ? 1 : -1));
    sendJson(
      ctx,
      200,
      paginate(ctx, batches, (b) => batchItem(app, b)),
    );
  });

  router.on('POST', '/api/v2/project-batches/([^/]+)', async (ctx) => {
    const { project } = projectOf(ctx);
    const body = obj(ctx.body);
    const errors: Record<string, string[]> = {};
    if (typeof body.name !== 'string' || body.name.trim() === '') {
      errors.name = ['This field is required.'];
    }
    const types = store.capabilities.get(project.capabilityId)?.batchTypes ?? [];
    if (typeof body.batch_type !== 'string' || body.batch_type === '') {
      errors.batch_type = ['This field is required.'];
    } else if (!types.some((t) => t.key === body.batch_type)) {
      errors.batch_type = [`"${body.batch_type}" is not a valid choice.`];
    }
    const rawIds = body.sample_ids ?? [];
    if (!Array.isArray(rawIds) || !rawIds.every((v) => typeof v === 'string')) {
      errors.sample_ids = ['Expected a list of UUID strings.'];
    }
    if (Object.keys(errors).length) throw new ApiError(400, errors);

    // a batch is made of finished samples with deliverables
    const eligible = project.samples.filter(
      (s) => !s.deleted && hasDeliverables(s.lastStatus.status),
    );
    let groups: string[][];
    if ((rawIds as string[]).length === 0) {
      if (eligible.length === 0) {
        throw new ApiError(400, { sample_ids: ['The project has no samples to batch.'] });
      }
      const ids = eligible.map((s) => s.id);
      groups = [];
      for (let i = 0; i < ids.length; i += BATCH_MAX_SAMPLES) {
        groups.push(ids.slice(i, i + BATCH_MAX_SAMPLES));
      }
    } else {
      const byId = new Map(eligible.map((s) => [s.id, s]));
      const invalid = (rawIds as string[]).filter((id) => !byId.has(normalizeUuid(id) ?? ''));
      if (invalid.length) {
        throw new ApiError(400, {
          sample_ids: [
            `Invalid sample IDs (not in the project, or not succeeded / failed qc): ${invalid.join(', ')}`,
          ],
        });
      }
      groups = [[...new Set((rawIds as string[]).map((id) => normalizeUuid(id)!))]];
    }
    const created: Batch[] = [];
    for (const sampleIds of groups) {
      const batch: Batch = {
        ...newJob(store, project.id),
        name: String(body.name),
        batchType: String(body.batch_type),
        sampleIds,
      };
      store.batches.set(batch.id, batch);
      created.push(batch);
      await jobs.start(batch);
    }
    sendJson(ctx, 201, {
      meta: { count: created.length },
      results: created.map((b) => batchItem(app, b)),
    });
  });

  router.on('GET', '/api/v2/batches/([^/]+)', (ctx) => {
    const user = auth.authenticate(ctx);
    const batch = store.batches.get(normalizeUuid(ctx.params[0]) ?? '');
    if (!batch || !store.projectFor(user.orgId, batch.projectId)) throw notFound();
    sendJson(ctx, 200, batchItem(app, batch));
  });

  // merged VCF -------------------------------------------------------------------------------

  router.on('POST', '/api/v2/project-merge-vcfs/([^/]+)', async (ctx) => {
    const { user, project } = projectOf(ctx);
    const capability = store.capabilities.get(project.capabilityId);
    const refuse = (message: string): never => {
      throw new ApiError(400, [message]);
    };
    if (!capability?.merge_vcfs_enabled) {
      refuse('You attempted to merge VCFs for a project that cannot do that');
    }
    const current = store.mergeJobs.get(project.id);
    const status = current?.lastStatus.status;
    if (status === 'queued' || status === 'running') {
      refuse(`Merge VCFs for project ${project.id} is already running`);
    }
    if (!project.samples.some((s) => !s.deleted)) refuse('No samples found in project');
    const inputs = mergeInputs(project);
    if (inputs.length === 0) refuse('must have impute VCF files associated');
    if (inputs.length < 2) refuse('should have at least 2 samples');
    if (current && mergeItem(project, current).up_to_date) {
      refuse(`Merged VCF file for project ${project.id} is up-to-date`);
    }
    const job: MergeJob = {
      ...newJob(store, project.id),
      userId: user.id,
      inputs: mergeInputsKey(project),
    };
    store.mergeJobs.set(project.id, job);
    await jobs.start(job);
    sendJson(ctx, 201, mergeItem(project, job));
  });

  router.on('GET', '/api/v2/project-merge-vcfs/([^/]+)', (ctx) => {
    const { project } = projectOf(ctx);
    const job = store.mergeJobs.get(project.id);
    if (!job) throw notFound();
    sendJson(ctx, 200, mergeItem(project, job));
  });
}
