import type { App } from '../app.js';
import { ApiError } from '../errors.js';
import type { Ctx } from '../http.js';
import { sendJson } from '../http.js';
import { isoOffsetSeconds, newId } from '../ids.js';
import { destinationProblem, parseUploadName, sourceUrlProblem } from '../names.js';
import { choiceParam, paginate } from '../pagination.js';
import type { Router } from '../router.js';
import { sheetUpload, uploadItem } from '../serialize.js';
import type { Upload, User } from '../state.js';

const DELETED_MESSAGE = (path: string): string =>
  `The destination path ${path} belongs to an upload that was deleted. Please use a different destination path.`;

export function uploadRoutes(router: Router, app: App): void {
  const { store, auth, credentials, settings, objects, buckets } = app;

  router.on('POST', '/api/v2/upload-credentials', (ctx) => {
    auth.authenticate(ctx);
    const cred = credentials.issue(settings.uploadCredentialsTtlSeconds);
    sendJson(ctx, 200, {
      version: 1,
      access_key: cred.accessKey,
      secret_key: cred.secretKey,
      token: cred.token,
      expiry_time: isoOffsetSeconds(cred.expiresMs),
    });
  });

  const destinationOf = (ctx: Ctx, user: User): { path: string; existing?: Upload } => {
    const path = (ctx.body as Record<string, unknown>).destination_path;
    const problem = destinationProblem(path);
    if (problem) throw new ApiError(400, { destination_path: [problem] });
    const existing = store.uploadsByDest.get(`${user.orgId} ${path as string}`);
    if (existing?.deleted) {
      throw new ApiError(400, { destination_path: [DELETED_MESSAGE(path as string)] });
    }
    return { path: path as string, existing };
  };

  const create = (user: User, path: string, sourceUrl: string | null): Upload => {
    const id = newId();
    const { folder, clientId, read } = parseUploadName(path);
    const suffix = read === 'R2' ? 'fastq-r2' : read === 'R1' ? 'fastq-r1' : 'fastq';
    const now = store.now();
    const upload: Upload = {
      id,
      orgId: user.orgId,
      userId: user.id,
      destinationPath: path,
      folder,
      clientId,
      read,
      bucket: buckets.uploads,
      key: `organization/${user.orgId}/user/${user.id}/uploads/${id}.${suffix}`,
      lastStatus: store.status(sourceUrl ? 'succeeded' : 'started'),
      source: sourceUrl ? 'cli url' : 'cli',
      sourceUrl,
      sampleId: null,
      deleted: false,
      createdMs: now,
      modifiedMs: now,
    };
    store.addUpload(upload);
    return upload;
  };

  router.on('POST', '/api/v2/uploads-post-data', async (ctx) => {
    const user = auth.authenticate(ctx);
    const { path, existing } = destinationOf(ctx, user);
    if (existing) {
      if (existing.lastStatus.status === 'started' && !existing.sourceUrl) {
        // lazily notice objects that landed without passing through the proxy's PUT observation
        if (await objects.head(existing.bucket, existing.key)) markUploaded(app, existing);
      }
      sendJson(ctx, 201, uploadItem(existing));
      return;
    }
    sendJson(ctx, 201, uploadItem(create(user, path, null)));
  });

  router.on('POST', '/api/v2/uploads-url', (ctx) => {
    const user = auth.authenticate(ctx);
    const { path, existing } = destinationOf(ctx, user);
    const source = (ctx.body as Record<string, unknown>).source_url;
    const problem = sourceUrlProblem(source);
    if (problem) throw new ApiError(400, { source_url: [problem] });
    sendJson(ctx, 201, uploadItem(existing ?? create(user, path, source as string)));
  });

  router.on('GET', '/api/v2/sample-sheet', (ctx) => {
    const user = auth.authenticate(ctx);
    // Quirk: `projects run-prefix` of the official client (since 2021) sends the Python enum's
    // str(), `status=SampleAssignmentStatus.ALL` (or .UNASSIGNED / .ASSIGNED), and works against
    // production. We accept the enum spelling as the value it stands for.
    const enumSpelling = /^SampleAssignmentStatus\.(ALL|UNASSIGNED|ASSIGNED)$/.exec(
      ctx.query.get('status') ?? '',
    );
    if (enumSpelling) ctx.query.set('status', enumSpelling[1]!.toLowerCase());
    const status = choiceParam(ctx, 'status', ['all', 'unassigned', 'assigned'], 'all');
    const sortBy = choiceParam(ctx, 'sort_by', ['created', 'modified'], 'created');
    const order = choiceParam(ctx, 'sort_order', ['asc', 'desc'], 'desc');
    const search = (ctx.query.get('search') ?? '').toLowerCase();
    let entries = sheetEntries(
      [...store.uploads.values()].filter(
        (u) => u.orgId === user.orgId && !u.deleted && !u.imported,
      ),
    );
    if (search) {
      entries = entries.filter((e) =>
        e.uploads.some((u) => u.destinationPath.toLowerCase().includes(search)),
      );
    }
    if (status !== 'all')
      entries = entries.filter((e) => (e.sample !== null) === (status === 'assigned'));
    const dir = order === 'asc' ? 1 : -1;
    entries.sort((a, b) => {
      const ka = sortBy === 'created' ? a.createdMs : a.modifiedMs;
      const kb = sortBy === 'created' ? b.createdMs : b.modifiedMs;
      if (ka !== kb) return (ka - kb) * dir;
      return a.key < b.key ? -dir : a.key > b.key ? dir : 0;
    });
    sendJson(
      ctx,
      200,
      paginate(ctx, entries, (e) => ({
        client_id: e.clientId,
        fastq: {
          ...(e.r1 ? { r1: sheetUpload(e.r1) } : {}),
          ...(e.r2 ? { r2: sheetUpload(e.r2) } : {}),
        },
        ...(e.sample ? { sample: e.sample } : {}),
      })),
    );
  });
}

/** started → succeeded when the object exists in S3. */
export function markUploaded(app: App, upload: Upload): void {
  if (upload.lastStatus.status === 'succeeded') return;
  upload.lastStatus = app.store.status('succeeded');
  upload.modifiedMs = app.store.now();
}

interface SheetEntry {
  key: string;
  clientId: string;
  r1: Upload | null;
  r2: Upload | null;
  uploads: Upload[];
  sample: string | null;
  createdMs: number;
  modifiedMs: number;
}

/**
 * Groups uploads into prospective samples: by (folder, client id); assigned uploads stay grouped by
 * their sample; unassigned R1s and R2s are paired in creation order (extra reads get entries of
 * their own).
 */
function sheetEntries(uploads: Upload[]): SheetEntry[] {
  const groups = new Map<string, Upload[]>();
  for (const u of uploads) {
    const key = `${u.folder}\0${u.clientId}`;
    const list = groups.get(key);
    if (list) list.push(u);
    else groups.set(key, [u]);
  }
  const entries: SheetEntry[] = [];
  const make = (clientId: string, r1: Upload | null, r2: Upload | null, sample: string | null) => {
    const members = [r1, r2].filter((u): u is Upload => u !== null);
    entries.push({
      key: members[0]!.id,
      clientId,
      r1,
      r2,
      uploads: members,
      sample,
      createdMs: Math.min(...members.map((u) => u.createdMs)),
      modifiedMs: Math.max(...members.map((u) => u.modifiedMs)),
    });
  };
  for (const list of groups.values()) {
    list.sort((a, b) => a.createdMs - b.createdMs || (a.id < b.id ? -1 : 1));
    const bySample = new Map<string, Upload[]>();
    const r1s: Upload[] = [];
    const r2s: Upload[] = [];
    for (const u of list) {
      if (u.sampleId) {
        const l = bySample.get(u.sampleId) ?? [];
        l.push(u);
        bySample.set(u.sampleId, l);
      } else if (u.read === 'R2') r2s.push(u);
      else r1s.push(u);
    }
    for (const [sample, members] of bySample) {
      const r2 = members.find((u) => u.read === 'R2') ?? null;
      const r1 = members.find((u) => u !== r2) ?? null;
      make(members[0]!.clientId, r1, r2, sample);
    }
    const pairs = Math.max(r1s.length, r2s.length);
    for (let i = 0; i < pairs; i++) {
      make(list[0]!.clientId, r1s[i] ?? null, r2s[i] ?? null, null);
    }
  }
  return entries;
}
