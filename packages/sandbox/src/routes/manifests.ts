import { createHash } from 'node:crypto';
import type { App } from '../app.js';
import { ApiError, notFound } from '../errors.js';
import { sendJson } from '../http.js';
import { isoZ, newId, normalizeUuid } from '../ids.js';
import { parseForm } from '../multipart.js';
import type { Router } from '../router.js';
import { fileItem } from '../serialize.js';
import type { SampleManifest } from '../state.js';
import { NO_PROJECT } from './existing-samples.js';

const FIELD = 'sample_manifest';

function manifestItem(app: App, m: SampleManifest): Record<string, unknown> {
  return {
    id: m.id,
    file_name: m.fileName,
    file: fileItem(app, m.file, true),
    project: m.projectId,
    created: isoZ(m.createdMs),
  };
}

/** Sample manifests: a CSV / XLSX uploaded per project (multipart), listed and downloadable. */
export function manifestRoutes(router: Router, app: App): void {
  const { store, auth, objects, buckets } = app;

  router.on('POST', '/api/v2/project-sample-manifests/([^/]+)', async (ctx) => {
    const user = auth.authenticate(ctx);
    const project = store.projectFor(user.orgId, normalizeUuid(ctx.params[0]));
    if (!project) throw new ApiError(400, [NO_PROJECT]);
    const form = await parseForm(ctx);
    const file = form.files.find((f) => f.field === FIELD);
    if (!file) throw new ApiError(400, { [FIELD]: ['No file was submitted.'] });
    const name = file.filename.split(/[\\/]/).pop() ?? '';
    const ext = /\.(csv|xlsx)$/i.exec(name)?.[1]?.toLowerCase();
    if (!ext) {
      throw new ApiError(400, { [FIELD]: ['The sample manifest must be a CSV or XLSX file.'] });
    }
    if (file.data.length === 0)
      throw new ApiError(400, { [FIELD]: ['The submitted file is empty.'] });
    const id = newId();
    const key = `manifests/${project.id}/${id}/${name}`;
    await objects.put(buckets.results, key, file.data);
    const manifest: SampleManifest = {
      id,
      projectId: project.id,
      fileName: name,
      createdMs: store.now(),
      file: {
        id: newId(),
        fileType: `sample_manifest-${ext}`,
        bucket: buckets.results,
        key,
        size: file.data.length,
        sha256: createHash('sha256').update(file.data).digest('hex'),
        filename: name,
      },
    };
    store.manifests.set(id, manifest);
    store.addProjectFile(project, manifest.file, false);
    // production answers an empty object: find the manifest with the list endpoint
    sendJson(ctx, 201, {});
  });

  router.on('GET', '/api/v2/project-sample-manifests/([^/]+)', (ctx) => {
    const user = auth.authenticate(ctx);
    const project = store.projectFor(user.orgId, normalizeUuid(ctx.params[0]));
    if (!project) throw notFound();
    const list = [...store.manifests.values()]
      .filter((m) => m.projectId === project.id)
      .sort((a, b) => b.createdMs - a.createdMs || (a.id < b.id ? 1 : -1));
    // a plain JSON array, not a paginated envelope (as production)
    sendJson(
      ctx,
      200,
      list.map((m) => manifestItem(app, m)),
    );
  });

  router.on('GET', '/api/v2/sample-manifests/([^/]+)', (ctx) => {
    const user = auth.authenticate(ctx);
    const manifest = store.manifests.get(normalizeUuid(ctx.params[0]) ?? '');
    if (!manifest || !store.projectFor(user.orgId, manifest.projectId)) throw notFound();
    sendJson(ctx, 200, manifestItem(app, manifest));
  });
}
