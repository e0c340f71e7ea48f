import type { App } from '../app.js';
import { ApiError, notFound } from '../errors.js';
import type { Ctx } from '../http.js';
import { send, sendEmpty, sendJson, sendText } from '../http.js';
import { newId, normalizeUuid } from '../ids.js';
import { choiceParam, paginate } from '../pagination.js';
import type { Handler, Router } from '../router.js';
import { newSample } from '../sample-factory.js';
import { sampleDetail, sampleListJson } from '../serialize.js';
import { type Project, type Sample, TERMINAL, type Upload, type User } from '../state.js';
import { idList } from './projects.js';

const STATUS = ['all', 'completed', 'succeeded', 'failed', 'running'] as const;
const ARCHIVE = ['all', 'available', 'archived', 'restore_requested', 'restored'] as const;
const HIDDEN = ['visible', 'hidden', 'all'] as const;
const SORT_BY = ['created', 'modified', 'status', 'client_id', 'id'] as const;
const ORDER = ['asc', 'desc'] as const;
const MAX_CACHED_LISTINGS = 32;

type SampleStatusFilter = (typeof STATUS)[number];

function statusMatches(filter: SampleStatusFilter, status: string): boolean {
  switch (filter) {
    case 'all':
      return true;
    case 'completed':
      return status === 'succeeded' || status === 'failed qc';
    case 'succeeded':
      return status === 'succeeded';
    case 'failed':
      return status.startsWith('failed');
    case 'running':
      return !TERMINAL.has(status);
  }
}

const SORT_KEYS: Record<(typeof SORT_BY)[number], (s: Sample) => number | string> = {
  created: (s) => s.createdMs,
  modified: (s) => s.modifiedMs,
  status: (s) => s.lastStatus.status,
  client_id: (s) => s.clientId,
  id: (s) => s.id,
};

/** Filtered + sorted samples of a project, cached until the project changes. */
function listSamples(ctx: Ctx, project: Project): Sample[] {
  const search = (ctx.query.get('search') ?? '').toLowerCase();
  const status = choiceParam(ctx, 'status', STATUS, 'all');
  const archive = choiceParam(ctx, 'archive_status', ARCHIVE, 'all');
  const hidden = choiceParam(ctx, 'hidden_status', HIDDEN, 'visible');
  const sortBy = choiceParam(ctx, 'sort_by', SORT_BY, 'created');
  const order = choiceParam(ctx, 'sort_order', ORDER, 'desc');
  if (project.listCacheVersion !== project.version) {
    project.listCache.clear();
    project.listCacheVersion = project.version;
  }
  const cacheKey = JSON.stringify([search, status, archive, hidden, sortBy, order]);
  const cached = project.listCache.get(cacheKey);
  if (cached) return cached;

  const matches = project.samples.filter((s) => {
    if (s.deleted) return false;
    if (hidden !== 'all' && s.hidden !== (hidden === 'hidden')) return false;
    if (!statusMatches(status, s.lastStatus.status)) return false;
    if (archive !== 'all' && s.archiveStatus.status !== archive) return false;
    if (search) {
      if (s.id.includes(search) || s.clientId.toLowerCase().includes(search)) return true;
      return (
        s.metadata !== null &&
        s.metadata !== undefined &&
        JSON.stringify(s.metadata).toLowerCase().includes(search)
      );
    }
    return true;
  });
  const key = SORT_KEYS[sortBy];
  const dir = order === 'asc' ? 1 : -1;
  const keyed = matches.map((s) => ({ k: key(s), s }));
  keyed.sort((a, b) => {
    if (a.k < b.k) return -dir;
    if (a.k > b.k) return dir;
    return a.s.id < b.s.id ? -dir : a.s.id > b.s.id ? dir : 0;
  });
  const result = keyed.map((e) => e.s);
  if (project.listCache.size >= MAX_CACHED_LISTINGS) project.listCache.clear();
  project.listCache.set(cacheKey, result);
  return result;
}

interface AssignEntry {
  clientId: string;
  r1: Upload;
  r2: Upload | null;
}

function parseAssignment(app: App, user: User, body: unknown): AssignEntry[] {
  const b = (body ?? {}) as Record<string, unknown>;
  if (!Array.isArray(b.uploads)) throw new ApiError(400, { uploads: ['This field is required.'] });
  const seen = new Set<string>();
  const fail = (message: string): never => {
    throw new ApiError(400, { uploads: [message] });
  };
  return b.uploads.map((raw, i) => {
    const entry = (raw ?? {}) as Record<string, unknown>;
    const fastq = (entry.fastq ?? {}) as Record<string, { upload?: unknown } | null | undefined>;
    const lookup = (read: 'r1' | 'r2'): Upload | null => {
      const ref = fastq[read];
      if (ref === undefined || ref === null) {
        if (read === 'r1') fail(`Entry ${i}: fastq.r1.upload is required.`);
        return null;
      }
      const id = normalizeUuid(ref.upload);
      const upload = id ? app.store.uploads.get(id) : undefined;
      if (!upload || upload.orgId !== user.orgId || upload.deleted) {
        return fail(`Upload ${String(ref.upload)} does not exist.`);
      }
      if (upload.sampleId) fail(`Upload ${upload.id} is already assigned to a sample.`);
      if (seen.has(upload.id)) fail(`Upload ${upload.id} appears more than once in the request.`);
      seen.add(upload.id);
      return upload;
    };
    const r1 = lookup('r1')!;
    const r2 = lookup('r2');
    const clientId =
      typeof entry.client_id === 'string' && entry.client_id ? entry.client_id : r1.clientId;
    return { clientId, r1, r2 };
  });
}

export function sampleRoutes(router: Router, app: App): void {
  const { store, auth, pipeline } = app;

  const projectOf = (ctx: Ctx): { user: User; project: Project } => {
    const user = auth.authenticate(ctx);
    const project = store.projectFor(user.orgId, normalizeUuid(ctx.params[0]));
    if (!project) throw notFound();
    return { user, project };
  };

  router.on('GET', '/api/v2/project-samples/([^/]+)', (ctx) => {
    const { project } = projectOf(ctx);
    // list items are pre-serialized (cached per sample) so large listings stay cheap
    const page = paginate(ctx, listSamples(ctx, project), sampleListJson);
    const body = `{"meta":${JSON.stringify(page.meta)},"results":[${page.results.join(',')}]}`;
    send(ctx, 200, Buffer.from(body), { 'Content-Type': 'application/json' });
  });

  router.on('POST', '/api/v2/project-samples/([^/]+)', async (ctx) => {
    const { user, project } = projectOf(ctx);
    const entries = parseAssignment(app, user, ctx.body);
    const metadata = (ctx.body as Record<string, unknown>).metadata ?? null;
    const runId = newId();
    const now = store.now();
    const created: Sample[] = entries.map((e) => {
      const sample = newSample(store, project, {
        runId,
        clientId: e.clientId,
        metadata,
        uploads: { r1: e.r1.id, r2: e.r2?.id ?? null },
      });
      for (const u of [e.r1, e.r2]) {
        if (!u) continue;
        u.sampleId = sample.id;
        u.modifiedMs = now;
      }
      store.addSample(project, sample);
      pipeline.start(sample);
      return sample;
    });
    if (created.length) project.modifiedMs = now;
    if (pipeline.instant) await pipeline.runNow(created);
    sendJson(ctx, 201, {
      uploads: created.map((s) => ({
        client_id: s.clientId,
        fastq: {
          r1: { upload: s.uploads.r1 },
          r2: s.uploads.r2 ? { upload: s.uploads.r2 } : null,
        },
        sample: s.id,
      })),
      metadata,
    });
  });

  const sampleOf = (ctx: Ctx): Sample => {
    const user = auth.authenticate(ctx);
    const sample = store.sampleFor(user.orgId, normalizeUuid(ctx.params[0]));
    if (!sample) throw notFound();
    return sample;
  };

  router.on('GET', '/api/v2/samples/([^/]+)', async (ctx) => {
    const sample = sampleOf(ctx);
    await pipeline.ensureDeliverables(sample);
    sendJson(ctx, 200, sampleDetail(app, sample));
  });

  router.on('GET', '/api/v2/sample-quality-controls/([^/]+)', (ctx) => {
    const sample = sampleOf(ctx);
    sendJson(
      ctx,
      200,
      paginate(ctx, sample.qc, (q) => q),
    );
  });

  router.on('GET', '/api/v2/sample-metadata/([^/]+)', (ctx) => {
    const sample = sampleOf(ctx);
    sendJson(ctx, 200, { metadata: sample.metadata ?? null });
  });

  router.on('POST', '/api/v2/sample-metadata/([^/]+)', (ctx) => {
    const sample = sampleOf(ctx);
    const body = (ctx.body ?? {}) as Record<string, unknown>;
    if (typeof body !== 'object' || Array.isArray(body) || !('metadata' in body)) {
      throw new ApiError(400, { metadata: ['This field is required.'] });
    }
    sample.metadata = structuredClone(body.metadata);
    store.touchSample(sample);
    sendJson(ctx, 200, { metadata: sample.metadata ?? null });
  });

  router.on('GET', '/api/v2/files/([^/]+?)\\.sha256', (ctx) => {
    const user = auth.authenticate(ctx);
    const entry = store.files.get(normalizeUuid(ctx.params[0]) ?? '');
    const ownerProject = entry?.sample?.projectId ?? entry?.project?.id;
    if (!entry || !store.projectFor(user.orgId, ownerProject) || entry.sample?.deleted) {
      throw notFound();
    }
    if (!entry.file.sha256) {
      throw new ApiError(400, { detail: 'Checksum is not available for this file.' });
    }
    const filename = ctx.query.get('filename') || entry.file.filename;
    sendText(ctx, 200, `${entry.file.sha256} *${filename}\n`, {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Disposition': `attachment; filename="${filename.replace(/["\r\n]/g, '')}.sha256"`,
    });
  });

  /** Samples of the project named by `sample_ids`; 400 field map when some are not in it. */
  const samplesIn = (
    project: Project,
    body: unknown,
    message = (missing: string[]) => `Samples are not part of the project: ${missing.join(', ')}`,
  ): Sample[] => {
    const ids = idList(body, 'sample_ids');
    const byId = new Map(project.samples.filter((s) => !s.deleted).map((s) => [s.id, s]));
    const missing: string[] = [];
    const found: Sample[] = [];
    for (const raw of ids) {
      const s = byId.get(normalizeUuid(raw) ?? '');
      if (s) found.push(s);
      else missing.push(raw);
    }
    if (missing.length) throw new ApiError(400, { sample_ids: [message(missing)] });
    return found;
  };

  /** hide / unhide / delete / cancel: a non-empty list of samples of the project (production 400s). */
  const nonEmptySamplesIn = (project: Project, body: unknown): Sample[] => {
    if (idList(body, 'sample_ids').length === 0) {
      throw new ApiError(400, { sample_ids: ['This list may not be empty.'] });
    }
    return samplesIn(project, body, () => 'All sample ids must be part of the current project.');
  };

  router.on('POST', '/api/v2/project-restore-samples/([^/]+)', (ctx) => {
    const { project } = projectOf(ctx);
    const ids = idList(ctx.body, 'sample_ids');
    const targets =
      ids.length === 0
        ? project.samples.filter((s) => !s.deleted && s.archiveStatus.status === 'archived')
        : samplesIn(project, ctx.body).filter((s) => s.archiveStatus.status === 'archived');
    pipeline.requestRestore(targets);
    sendEmpty(ctx, 202);
  });

  const setHidden =
    (hidden: boolean): Handler =>
    (ctx) => {
      const { project } = projectOf(ctx);
      for (const s of nonEmptySamplesIn(project, ctx.body)) {
        s.hidden = hidden;
        store.touchSample(s);
      }
      sendEmpty(ctx, 204);
    };
  router.on('POST', '/api/v2/project-hide-samples/([^/]+)', setHidden(true));
  router.on('POST', '/api/v2/project-unhide-samples/([^/]+)', setHidden(false));

  router.on('DELETE', '/api/v2/project-delete-samples/([^/]+)', (ctx) => {
    const { project } = projectOf(ctx);
    for (const s of nonEmptySamplesIn(project, ctx.body)) {
      s.deleted = true;
      store.touchSample(s);
    }
    sendEmpty(ctx, 204);
  });

  router.on('POST', '/api/v2/project-cancel-samples/([^/]+)', (ctx) => {
    const { project } = projectOf(ctx);
    const ids = idList(ctx.body, 'sample_ids');
    if (ids.length === 0) throw new ApiError(400, { sample_ids: ['This list may not be empty.'] });
    // only samples still being analysed can be canceled
    const invalid = (missing: string[]) => `Invalid sample IDs: ${missing.join(', ')}`;
    const found = samplesIn(project, ctx.body, invalid);
    const finished = found.filter(
      (s) => TERMINAL.has(s.lastStatus.status) || s.pipeline?.finalizing,
    );
    if (finished.length)
      throw new ApiError(400, { sample_ids: [invalid(finished.map((s) => s.id))] });
    pipeline.cancel(found);
    sendJson(ctx, 200, { message: `${found.length} sample(s) analysis canceled successfully` });
  });
}
