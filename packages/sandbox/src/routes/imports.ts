import { gzipSync } from 'node:zlib';
import type { App } from '../app.js';
import { ApiError, notFound } from '../errors.js';
import { sendJson } from '../http.js';
import { isoOffsetSeconds, newId } from '../ids.js';
import { fastqExtension, parseUploadName } from '../names.js';
import { paginate } from '../pagination.js';
import type { Router } from '../router.js';
import { newSample } from '../sample-factory.js';
import type { Autoimport, Project, Sample, Upload, User } from '../state.js';
import { destinationProject, startSamples } from './existing-samples.js';

const INPUT_FORMATS = ['autodetect', 'fastq', 'cram'] as const;
type InputFormat = (typeof INPUT_FORMATS)[number];

const obj = (body: unknown): Record<string, unknown> =>
  body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};

/** `s3://bucket/prefix` → parts, or a 400 on `s3_uri`. */
function parseS3Uri(value: unknown): { bucket: string; prefix: string } {
  const m =
    typeof value === 'string'
      ? /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(value)
      : null;
  if (!m) {
    throw new ApiError(400, {
      s3_uri: ['Enter an S3 URI of the form s3://<bucket-name>/<prefix>.'],
    });
  }
  return { bucket: m[1]!, prefix: m[2] ?? '' };
}

function inputsOf(key: string, format: InputFormat): boolean {
  const name = key.slice(key.lastIndexOf('/') + 1);
  const cram = name.toLowerCase().endsWith('.cram');
  const fastq = fastqExtension(name, false) !== undefined;
  return format === 'fastq' ? fastq : format === 'cram' ? cram : fastq || cram;
}

/** Small gzipped FASTQ reads of a BaseSpace biosample (deterministic). */
function biosampleFastq(name: string, read: 1 | 2): Buffer {
  const lines: string[] = [];
  for (let i = 0; i < 40; i++) {
    lines.push(`@${name}:${read}:${i}`, 'ACGTTGCAACGTTGCAACGT', '+', 'IIIIIIIIIIIIIIIIIIII');
  }
  return gzipSync(Buffer.from(`${lines.join('\n')}\n`));
}

/** Autoimport jobs are listed, not run: the sandbox never polls a bucket or BaseSpace. */
function autoimportItem(a: Autoimport, sourceField: 's3_uri' | 'identifier') {
  return { id: a.id, project_id: a.projectId, [sourceField]: a.source, metadata: a.metadata };
}

export function importRoutes(router: Router, app: App): void {
  const { store, auth, objects, buckets } = app;

  /** Registers the objects of one sample as (imported) uploads; returns the new sample. */
  const sampleFromObjects = (
    user: User,
    project: Project,
    runId: string,
    clientId: string,
    metadata: unknown,
    inputs: Array<{ bucket: string; key: string; read: 'R1' | 'R2' | null }>,
    source: Upload['source'],
  ): Sample => {
    const reads: { r1: string | null; r2: string | null } = { r1: null, r2: null };
    const sample = newSample(store, project, { runId, clientId, metadata, uploads: reads });
    for (const input of inputs) {
      const now = store.now();
      const upload: Upload = {
        id: newId(),
        orgId: user.orgId,
        userId: user.id,
        destinationPath: `s3://${input.bucket}/${input.key}`,
        folder: '',
        clientId,
        read: input.read,
        bucket: input.bucket,
        key: input.key,
        lastStatus: store.status('succeeded'),
        source,
        sourceUrl: null,
        sampleId: sample.id,
        deleted: false,
        createdMs: now,
        modifiedMs: now,
        imported: true,
      };
      store.addUpload(upload);
      if (input.read === 'R2') sample.uploads.r2 = upload.id;
      else sample.uploads.r1 = upload.id;
    }
    return sample;
  };

  // S3 -------------------------------------------------------------------------------------

  router.on('POST', '/api/v2/s3-uri-import', async (ctx) => {
    const user = auth.authenticate(ctx);
    const body = obj(ctx.body);
    const project = destinationProject(app, user, body);
    const { bucket, prefix } = parseS3Uri(body.s3_uri);
    const raw = body.input_format ?? 'autodetect';
    if (!(INPUT_FORMATS as readonly unknown[]).includes(raw)) {
      throw new ApiError(400, { input_format: [`"${String(raw)}" is not a valid choice.`] });
    }
    const format = raw as InputFormat;
    if (!Object.values(buckets).includes(bucket)) {
      throw new ApiError(400, {
        s3_uri: [
          `Gencove cannot access the bucket ${bucket} (the sandbox serves: ${Object.values(buckets).join(', ')}).`,
        ],
      });
    }
    const listed = (await objects.list(bucket, prefix)) ?? [];
    const found = listed.filter((o) => o.size > 0 && inputsOf(o.key, format));
    if (found.length === 0) {
      throw new ApiError(400, { s3_uri: [`No input files found under s3://${bucket}/${prefix}.`] });
    }
    // one sample per (folder, client ID), R1 / R2 as in the sample sheet (spec §3.2)
    const groups = new Map<
      string,
      { clientId: string; keys: Array<{ key: string; read: 'R1' | 'R2' | null }> }
    >();
    for (const o of found) {
      const { folder, clientId, read } = parseUploadName(o.key);
      const id = `${folder}\0${clientId}`;
      const group = groups.get(id) ?? { clientId, keys: [] };
      if (!group.keys.some((k) => (k.read ?? 'R1') === (read ?? 'R1')))
        group.keys.push({ key: o.key, read });
      groups.set(id, group);
    }
    const runId = newId();
    const metadata = body.metadata ?? null;
    const samples = [...groups.values()].map((g) =>
      sampleFromObjects(
        user,
        project,
        runId,
        g.clientId,
        metadata,
        g.keys.map((k) => ({ bucket, key: k.key, read: k.read })),
        's3 import',
      ),
    );
    await startSamples(app, project, samples);
    sendJson(ctx, 202, {
      project_id: project.id,
      s3_uri: body.s3_uri,
      metadata,
      input_format: format,
      samples: samples.map((s) => ({ sample_id: s.id, client_id: s.clientId })),
    });
  });

  /** Creates an autoimport job, or updates the metadata of the one for the same source. */
  const upsertAutoimport = (
    list: Autoimport[],
    user: User,
    project: Project,
    source: string,
    metadata: unknown,
  ) => {
    const existing = list.find(
      (a) => a.orgId === user.orgId && a.projectId === project.id && a.source === source,
    );
    if (existing) {
      existing.metadata = structuredClone(metadata);
      return { job: existing, action: 'update' as const };
    }
    const job: Autoimport = {
      id: newId(),
      orgId: user.orgId,
      projectId: project.id,
      source,
      metadata: structuredClone(metadata),
      createdMs: store.now(),
    };
    list.push(job);
    return { job, action: 'create' as const };
  };

  const listAutoimports = (list: Autoimport[], user: User) =>
    list
      .filter((a) => a.orgId === user.orgId && store.projectFor(user.orgId, a.projectId))
      .sort((a, b) => b.createdMs - a.createdMs || (a.id < b.id ? 1 : -1));

  router.on('POST', '/api/v2/s3-uri-autoimport', (ctx) => {
    const user = auth.authenticate(ctx);
    const body = obj(ctx.body);
    const project = destinationProject(app, user, body);
    parseS3Uri(body.s3_uri);
    const { job, action } = upsertAutoimport(
      store.s3Autoimports,
      user,
      project,
      String(body.s3_uri),
      body.metadata ?? null,
    );
    sendJson(ctx, action === 'create' ? 201 : 200, {
      ...autoimportItem(job, 's3_uri'),
      topic_arn: `arn:aws:sns:us-east-1:000000000000:gencove-sandbox-autoimport-${job.id}`,
    });
  });

  router.on('GET', '/api/v2/s3-uri-autoimport', (ctx) => {
    const user = auth.authenticate(ctx);
    sendJson(
      ctx,
      200,
      paginate(ctx, listAutoimports(store.s3Autoimports, user), (a) => autoimportItem(a, 's3_uri')),
    );
  });

  // BaseSpace ------------------------------------------------------------------------------

  router.on('GET', '/api/v2/basespace-projects', (ctx) => {
    auth.authenticate(ctx);
    const projects = [...store.basespaceProjects.values()].sort(
      (a, b) => b.createdMs - a.createdMs,
    );
    sendJson(
      ctx,
      200,
      paginate(ctx, projects, (p) => ({
        basespace_id: p.basespaceId,
        basespace_name: p.name,
        basespace_description: p.description,
        basespace_date_created: isoOffsetSeconds(p.createdMs),
      })),
    );
  });

  router.on('GET', '/api/v2/basespace-project-biosamples/([^/]+)', (ctx) => {
    auth.authenticate(ctx);
    const project = store.basespaceProjects.get(ctx.params[0]!);
    if (!project) throw notFound();
    sendJson(
      ctx,
      200,
      paginate(ctx, project.biosamples, (b) => ({
        basespace_id: b.basespaceId,
        basespace_bio_sample_name: b.name,
        basespace_date_created: isoOffsetSeconds(b.createdMs),
      })),
    );
  });

  router.on('POST', '/api/v2/basespace-projects-import', async (ctx) => {
    const user = auth.authenticate(ctx);
    const body = obj(ctx.body);
    const project = destinationProject(app, user, body);
    const ids = body.basespace_project_ids;
    if (!Array.isArray(ids) || ids.length === 0 || !ids.every((i) => typeof i === 'string')) {
      throw new ApiError(400, {
        basespace_project_ids: ['A non-empty list of BaseSpace project IDs is required.'],
      });
    }
    const unknown = ids.filter((id) => !store.basespaceProjects.has(id));
    if (unknown.length) {
      throw new ApiError(400, {
        basespace_project_ids: [`BaseSpace projects not found: ${unknown.join(', ')}`],
      });
    }
    const runId = newId();
    const metadata = body.metadata ?? null;
    const samples: Sample[] = [];
    for (const id of new Set(ids as string[])) {
      for (const biosample of store.basespaceProjects.get(id)!.biosamples) {
        const inputs: Array<{ bucket: string; key: string; read: 'R1' | 'R2' }> = [];
        for (const read of [1, 2] as const) {
          const key = `basespace/${id}/${biosample.basespaceId}/${biosample.name}_R${read}.fastq.gz`;
          await objects.put(buckets.uploads, key, biosampleFastq(biosample.name, read));
          inputs.push({ bucket: buckets.uploads, key, read: read === 1 ? 'R1' : 'R2' });
        }
        samples.push(
          sampleFromObjects(
            user,
            project,
            runId,
            biosample.name,
            metadata,
            inputs,
            'basespace import',
          ),
        );
      }
    }
    await startSamples(app, project, samples);
    sendJson(ctx, 202, {
      basespace_project_ids: ids,
      project_id: project.id,
      metadata,
      samples: samples.map((s) => ({ sample_id: s.id, client_id: s.clientId })),
    });
  });

  router.on('POST', '/api/v2/basespace-projects-autoimport', (ctx) => {
    const user = auth.authenticate(ctx);
    const body = obj(ctx.body);
    const project = destinationProject(app, user, body);
    if (typeof body.identifier !== 'string' || body.identifier.trim() === '') {
      throw new ApiError(400, { identifier: ['This field is required.'] });
    }
    const { job, action } = upsertAutoimport(
      store.basespaceAutoimports,
      user,
      project,
      body.identifier,
      body.metadata ?? null,
    );
    sendJson(ctx, action === 'create' ? 201 : 200, {
      ...autoimportItem(job, 'identifier'),
      action,
    });
  });

  router.on('GET', '/api/v2/basespace-projects-autoimport', (ctx) => {
    const user = auth.authenticate(ctx);
    sendJson(
      ctx,
      200,
      paginate(ctx, listAutoimports(store.basespaceAutoimports, user), (a) =>
        autoimportItem(a, 'identifier'),
      ),
    );
  });
}
