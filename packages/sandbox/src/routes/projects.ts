import type { App } from '../app.js';
import { ApiError, notFound } from '../errors.js';
import {
  fileTypeItem,
  REFERENCE_GENOME_FILE_TYPES,
  SAMPLE_FILE_TYPES,
  SYNTHETIC_FILE_TYPES,
} from '../filetypes.js';
import { sendEmpty, sendJson } from '../http.js';
import { newId, normalizeUuid } from '../ids.js';
import { choiceParam, paginate } from '../pagination.js';
import { attachReferenceGenome } from '../reference.js';
import type { Handler, Router } from '../router.js';
import { projectItem } from '../serialize.js';
import type { Capability, Project } from '../state.js';

export const DEFAULT_PROJECT_FILE_TYPES = [
  'impute-vcf',
  'impute-tbi',
  'alignment-bam',
  'alignment-bai',
  'ancestry-json',
];

export function newProject(fields: {
  id?: string;
  name: string;
  description?: string;
  orgId: string;
  capabilityId: string;
  fileTypes?: string[];
  createdMs: number;
}): Project {
  return {
    id: fields.id ?? newId(),
    name: fields.name,
    description: fields.description ?? '',
    orgId: fields.orgId,
    createdMs: fields.createdMs,
    modifiedMs: fields.createdMs,
    hidden: false,
    deleted: false,
    capabilityId: fields.capabilityId,
    fileTypes: fields.fileTypes ?? [...DEFAULT_PROJECT_FILE_TYPES],
    presentTypes: new Set(),
    samples: [],
    files: [],
    version: 0,
    listCache: new Map(),
    listCacheVersion: -1,
  };
}

export function projectRoutes(router: Router, app: App): void {
  const { store, auth } = app;

  router.on('GET', '/api/v2/projects', (ctx) => {
    const user = auth.authenticate(ctx);
    const hiddenStatus = choiceParam(ctx, 'hidden_status', ['visible', 'hidden', 'all'], 'visible');
    const search = (ctx.query.get('search') ?? '').toLowerCase();
    const projects = [...store.projects.values()]
      .filter((p) => p.orgId === user.orgId && !p.deleted)
      .filter((p) => hiddenStatus === 'all' || p.hidden === (hiddenStatus === 'hidden'))
      .filter((p) => !search || p.name.toLowerCase().includes(search) || p.id.includes(search))
      .sort((a, b) => b.createdMs - a.createdMs || a.id.localeCompare(b.id));
    sendJson(
      ctx,
      200,
      paginate(ctx, projects, (p) => projectItem(app, p, false)),
    );
  });

  router.on('POST', '/api/v2/projects', (ctx) => {
    const user = auth.authenticate(ctx);
    const body = (ctx.body ?? {}) as Record<string, unknown>;
    const errors: Record<string, string[]> = {};
    if (typeof body.name !== 'string' || body.name.trim() === '') {
      errors.name = ['This field is required.'];
    }
    const capabilityId =
      body.pipeline_capabilities === undefined
        ? [...store.capabilities.keys()][0]
        : normalizeUuid(body.pipeline_capabilities);
    if (!capabilityId || !store.capabilities.has(capabilityId)) {
      errors.pipeline_capabilities = [
        `Invalid pk "${String(body.pipeline_capabilities)}" - object does not exist.`,
      ];
    }
    if (Object.keys(errors).length) throw new ApiError(400, errors);
    const project = newProject({
      name: String(body.name),
      description: typeof body.description === 'string' ? body.description : '',
      orgId: user.orgId,
      capabilityId: capabilityId!,
      createdMs: store.now(),
    });
    store.projects.set(project.id, project);
    attachReferenceGenome(store, project);
    sendJson(ctx, 201, projectItem(app, project, true));
  });

  router.on('GET', '/api/v2/projects/([^/]+)', (ctx) => {
    const user = auth.authenticate(ctx);
    const project = store.projectFor(user.orgId, normalizeUuid(ctx.params[0]));
    if (!project) throw notFound();
    sendJson(ctx, 200, projectItem(app, project, true));
  });

  const setHidden =
    (hidden: boolean): Handler =>
    (ctx) => {
      const user = auth.authenticate(ctx);
      const ids = idList(ctx.body, 'project_ids');
      const projects = ids.map((id) => store.projectFor(user.orgId, normalizeUuid(id)));
      if (projects.some((p) => !p)) {
        throw new ApiError(400, {
          project_ids: ['Some projects do not exist or are not accessible.'],
        });
      }
      for (const p of projects) {
        p!.hidden = hidden;
        p!.modifiedMs = store.now();
      }
      sendEmpty(ctx, 204);
    };
  router.on('POST', '/api/v2/projects-hide', setHidden(true));
  router.on('POST', '/api/v2/projects-unhide', setHidden(false));

  router.on('DELETE', '/api/v2/projects-delete', (ctx) => {
    const user = auth.authenticate(ctx);
    const ids = idList(ctx.body, 'project_ids');
    if (ids.length === 0) throw new ApiError(400, { project_ids: ['This list may not be empty.'] });
    const projects = ids.map((id) => store.projectFor(user.orgId, normalizeUuid(id)));
    if (projects.some((p) => !p)) {
      throw new ApiError(400, {
        project_ids: ['Some projects do not exist or are not accessible.'],
      });
    }
    for (const p of projects) {
      p!.deleted = true;
      p!.modifiedMs = store.now();
      store.bumpProject(p!.id);
    }
    sendEmpty(ctx, 204);
  });

  router.on('GET', '/api/v2/file-types', (ctx) => {
    const user = auth.authenticate(ctx);
    const object = choiceParam(ctx, 'object', ['sample', 'reference_genome'], 'sample');
    const rawProject = ctx.query.get('project_id');
    let keys: string[];
    if (rawProject) {
      const project = store.projectFor(user.orgId, normalizeUuid(rawProject));
      if (!project) throw notFound();
      if (object === 'reference_genome') {
        // the reference-genome types this project has files of (no synthetic qc / metadata)
        keys = [
          ...new Set(
            project.files
              .map((f) => f.fileType)
              .filter((t) => REFERENCE_GENOME_FILE_TYPES.includes(t)),
          ),
        ].sort();
      } else {
        keys = [...project.presentTypes].sort();
        keys.push(...SYNTHETIC_FILE_TYPES);
      }
    } else if (object === 'reference_genome') {
      keys = [...REFERENCE_GENOME_FILE_TYPES];
    } else {
      keys = [...SAMPLE_FILE_TYPES, ...SYNTHETIC_FILE_TYPES];
    }
    sendJson(ctx, 200, paginate(ctx, keys, fileTypeItem));
  });

  router.on('GET', '/api/v2/pipeline-capabilities', (ctx) => {
    auth.authenticate(ctx);
    const wanted = (ctx.query.get('search') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const caps = [...store.capabilities.values()].filter(
      (c) => wanted.length === 0 || wanted.includes(c.id),
    );
    sendJson(ctx, 200, paginate(ctx, caps, capabilityItem));
  });

  router.on('GET', '/api/v2/pipeline-capabilities/([^/]+)', (ctx) => {
    auth.authenticate(ctx);
    const cap = store.capabilities.get(normalizeUuid(ctx.params[0]) ?? '');
    if (!cap) throw notFound();
    sendJson(ctx, 200, capabilityItem(cap));
  });

  router.on('GET', '/api/v2/pipeline', (ctx) => {
    auth.authenticate(ctx);
    choiceParam(ctx, 'sort_by', ['created'], 'created');
    const order = choiceParam(ctx, 'sort_order', ['asc', 'desc'], 'desc');
    const dir = order === 'asc' ? 1 : -1;
    const pipelines = [...store.pipelines.values()].sort(
      (a, b) => (a.createdMs - b.createdMs) * dir || (a.id < b.id ? -dir : dir),
    );
    sendJson(
      ctx,
      200,
      paginate(ctx, pipelines, (p) => ({ id: p.id, version: p.version })),
    );
  });

  router.on('GET', '/api/v2/pipeline/([^/]+)', (ctx) => {
    auth.authenticate(ctx);
    const pipeline = store.pipelines.get(normalizeUuid(ctx.params[0]) ?? '');
    if (!pipeline) throw notFound();
    sendJson(ctx, 200, {
      id: pipeline.id,
      version: pipeline.version,
      capabilities: pipeline.capabilityIds
        .map((id) => store.capabilities.get(id))
        .filter((c) => c !== undefined)
        .map(capabilityItem),
    });
  });
}

/** `{"<field>": ["<uuid>", ...]}` from a request body, or a 400 field error. */
export function idList(body: unknown, field: string): string[] {
  const value = (body as Record<string, unknown> | null)?.[field];
  if (!Array.isArray(value)) throw new ApiError(400, { [field]: ['This field is required.'] });
  if (!value.every((v) => typeof v === 'string')) {
    throw new ApiError(400, { [field]: ['Expected a list of UUID strings.'] });
  }
  return value as string[];
}

/** A capability as the API shows it (the batch types are served by `project-batch-types/`). */
export function capabilityItem(c: Capability): Record<string, unknown> {
  return {
    id: c.id,
    name: c.name,
    key: c.key,
    private: c.private,
    merge_vcfs_enabled: c.merge_vcfs_enabled,
    version: c.version,
  };
}
