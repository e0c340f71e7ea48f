import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiOperation, MANUAL_STEP_MS, type Sandbox, startSandbox } from '../src/index.js';
import { api, download, fastq } from './helpers.js';

// S3 and BaseSpace imports and autoimports; fault injection on the new endpoints

let sb: Sandbox;
const EXTERNAL = 'lab-external-data';

beforeAll(async () => {
  sb = await startSandbox({ pipeline: 'manual' });
});
afterAll(async () => {
  await sb?.close();
});

const newProject = async (name: string) => {
  const p = await api(sb, 'GET', `/api/v2/projects/${sb.projects.default}`);
  const res = await api(sb, 'POST', '/api/v2/projects/', {
    name,
    pipeline_capabilities: p.body.pipeline_capabilities,
  });
  return res.body.id as string;
};
const samplesOf = async (projectId: string) =>
  (
    await api(
      sb,
      'GET',
      `/api/v2/project-samples/${projectId}?sort_by=client_id&sort_order=asc&limit=200`,
    )
  ).body;

describe('S3 import', () => {
  it('creates one sample per client ID from the FASTQs under the prefix; they run', async () => {
    const r1 = gzipSync(fastq(5, 's1r1'));
    await sb.control.putExternalObject('seq/run-9/S1_L001_R1_001.fastq.gz', r1);
    await sb.control.putExternalObject(
      'seq/run-9/S1_L001_R2_001.fastq.gz',
      gzipSync(fastq(5, 's1r2')),
    );
    await sb.control.putExternalObject('seq/run-9/S2-FAILQC_R1.fastq.gz', gzipSync(fastq(5, 's2')));
    await sb.control.putExternalObject('seq/run-9/notes.txt', Buffer.from('not a FASTQ'));
    await sb.control.putExternalObject('seq/run-10/S9_R1.fastq.gz', gzipSync(fastq(5, 's9')));
    const project = await newProject('s3 import');
    const res = await api(sb, 'POST', '/api/v2/s3-uri-import/', {
      s3_uri: `s3://${EXTERNAL}/seq/run-9/`,
      project_id: project,
      metadata: { run: 9 },
      input_format: 'autodetect',
    });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({
      project_id: project,
      s3_uri: `s3://${EXTERNAL}/seq/run-9/`,
      metadata: { run: 9 },
      input_format: 'autodetect',
    });
    expect(res.body.samples.map((s: { client_id: string }) => s.client_id).sort()).toEqual([
      'S1',
      'S2-FAILQC',
    ]);
    const created = await samplesOf(project);
    expect(created.meta.count).toBe(2);
    expect(created.results[0].last_status.status).toBe('created');
    await sb.control.advance(2 * MANUAL_STEP_MS);
    const done = await samplesOf(project);
    expect(
      done.results.map((s: { last_status: { status: string } }) => s.last_status.status),
    ).toEqual(['succeeded', 'failed qc']);
    // the FASTQs themselves are the inputs: the fastq-r1 deliverable is the object imported
    const s1 = await api(sb, 'GET', `/api/v2/samples/${done.results[0].id}`);
    const copy = s1.body.files.find((f: { file_type: string }) => f.file_type === 'fastq-r1');
    expect((await download(copy.download_url)).body.equals(r1)).toBe(true);
    expect(s1.body.files.map((f: { file_type: string }) => f.file_type)).toContain('fastq-r2');
    const meta = await api(sb, 'GET', `/api/v2/sample-metadata/${done.results[0].id}`);
    expect(meta.body.metadata).toEqual({ run: 9 });
    // imports are not uploads: the sample sheet does not list them
    const sheet = await api(sb, 'GET', '/api/v2/sample-sheet/?search=run-9');
    expect(sheet.body.meta.count).toBe(0);
  });

  it('input_format picks the file kind; refusals are DRF field errors', async () => {
    await sb.control.putExternalObject('cram/run-1/C1.cram', Buffer.from('CRAM fake'));
    await sb.control.putExternalObject('cram/run-1/C2_R1.fastq.gz', gzipSync(fastq(2)));
    const project = await newProject('s3 formats');
    const post = (body: Record<string, unknown>) =>
      api(sb, 'POST', '/api/v2/s3-uri-import/', { project_id: project, metadata: null, ...body });
    const cram = await post({ s3_uri: `s3://${EXTERNAL}/cram/run-1/`, input_format: 'cram' });
    expect(cram.status).toBe(202);
    expect(cram.body.samples.map((s: { client_id: string }) => s.client_id)).toEqual(['C1.cram']);
    const fq = await post({ s3_uri: `s3://${EXTERNAL}/cram/run-1/`, input_format: 'fastq' });
    expect(fq.body.samples.map((s: { client_id: string }) => s.client_id)).toEqual(['C2']);

    const badUri = await post({ s3_uri: 'https://example.org/x', input_format: 'fastq' });
    expect(badUri.status).toBe(400);
    expect(Object.keys(badUri.body)).toEqual(['s3_uri']);
    const nothing = await post({ s3_uri: `s3://${EXTERNAL}/empty-prefix/` });
    expect(nothing.status).toBe(400);
    expect(nothing.body.s3_uri[0]).toMatch(/No input files/);
    const foreignBucket = await post({ s3_uri: 's3://somebody-elses-bucket/x/' });
    expect(foreignBucket.status).toBe(400);
    expect(Object.keys(foreignBucket.body)).toEqual(['s3_uri']);
    const format = await post({ s3_uri: `s3://${EXTERNAL}/cram/`, input_format: 'bam' });
    expect(format.body).toEqual({ input_format: ['"bam" is not a valid choice.'] });
    const noProject = await api(sb, 'POST', '/api/v2/s3-uri-import/', {
      s3_uri: `s3://${EXTERNAL}/cram/`,
      project_id: sb.projects.other,
    });
    expect(noProject.body).toEqual([
      'Project does not exist or you do not have privileges to access it.',
    ]);
  });

  it('autoimports: create (201, topic_arn), same URI again updates (200), listed', async () => {
    const project = await newProject('s3 autoimport');
    const body = { project_id: project, s3_uri: `s3://${EXTERNAL}/incoming/`, metadata: null };
    const created = await api(sb, 'POST', '/api/v2/s3-uri-autoimport/', body);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      project_id: project,
      s3_uri: body.s3_uri,
      metadata: null,
    });
    expect(created.body.topic_arn).toMatch(/^arn:aws:sns:us-east-1:\d{12}:/);
    const updated = await api(sb, 'POST', '/api/v2/s3-uri-autoimport/', {
      ...body,
      metadata: { a: 1 },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.id).toBe(created.body.id);
    const list = await api(sb, 'GET', '/api/v2/s3-uri-autoimport/?offset=0&limit=200');
    expect(list.body.meta.count).toBe(1);
    expect(list.body.results).toEqual([
      { id: created.body.id, project_id: project, s3_uri: body.s3_uri, metadata: { a: 1 } },
    ]);
    const bad = await api(sb, 'POST', '/api/v2/s3-uri-autoimport/', {
      ...body,
      s3_uri: 'bucket/x',
    });
    expect(bad.status).toBe(400);
  });
});

describe('BaseSpace', () => {
  it('projects and biosamples are seeded fixtures (paginated)', async () => {
    const projects = await api(sb, 'GET', '/api/v2/basespace-projects/?offset=0&limit=200');
    expect(projects.status).toBe(200);
    expect(projects.body.meta.count).toBe(3);
    const first = projects.body.results[0];
    expect(Object.keys(first).sort()).toEqual([
      'basespace_date_created',
      'basespace_description',
      'basespace_id',
      'basespace_name',
    ]);
    expect(Number.isNaN(Date.parse(first.basespace_date_created))).toBe(false);
    const bios = await api(
      sb,
      'GET',
      '/api/v2/basespace-project-biosamples/4100001?offset=0&limit=200',
    );
    expect(
      bios.body.results.map(
        (b: { basespace_bio_sample_name: string }) => b.basespace_bio_sample_name,
      ),
    ).toEqual(['BS-P1-A01', 'BS-P1-A02', 'BS-P1-A03-FAILQC']);
    const page = await api(sb, 'GET', '/api/v2/basespace-project-biosamples/4100001?limit=2');
    expect(page.body.meta.next).not.toBeNull();
    expect((await api(sb, 'GET', '/api/v2/basespace-project-biosamples/999')).status).toBe(404);
  });

  it('import creates a sample per biosample that runs; unknown IDs → 400', async () => {
    const project = await newProject('basespace import');
    const res = await api(sb, 'POST', '/api/v2/basespace-projects-import/', {
      basespace_project_ids: ['4100001', '4100002'],
      project_id: project,
      metadata: { source: 'bs' },
    });
    expect(res.status).toBe(202);
    expect(res.body.samples).toHaveLength(5);
    await sb.control.advance(2 * MANUAL_STEP_MS);
    const done = await samplesOf(project);
    expect(
      done.results.map((s: { client_id: string; last_status: { status: string } }) => [
        s.client_id,
        s.last_status.status,
      ]),
    ).toEqual([
      ['BS-P1-A01', 'succeeded'],
      ['BS-P1-A02', 'succeeded'],
      ['BS-P1-A03-FAILQC', 'failed qc'],
      ['BS-P2-B01', 'succeeded'],
      ['BS-P2-B02', 'succeeded'],
    ]);
    const unknown = await api(sb, 'POST', '/api/v2/basespace-projects-import/', {
      basespace_project_ids: ['4100001', '123'],
      project_id: project,
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.basespace_project_ids[0]).toContain('123');
  });

  it('autoimports: create then update (action), listed', async () => {
    const project = await newProject('basespace autoimport');
    const body = { project_id: project, identifier: 'NovaSeq', metadata: null };
    const created = await api(sb, 'POST', '/api/v2/basespace-projects-autoimport/', body);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      project_id: project,
      identifier: 'NovaSeq',
      action: 'create',
    });
    const updated = await api(sb, 'POST', '/api/v2/basespace-projects-autoimport/', {
      ...body,
      metadata: { k: 'v' },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({
      id: created.body.id,
      action: 'update',
      metadata: { k: 'v' },
    });
    const list = await api(sb, 'GET', '/api/v2/basespace-projects-autoimport/?offset=0&limit=200');
    expect(list.body.results).toEqual([
      { id: created.body.id, project_id: project, identifier: 'NovaSeq', metadata: { k: 'v' } },
    ]);
    const missing = await api(sb, 'POST', '/api/v2/basespace-projects-autoimport/', {
      project_id: project,
    });
    expect(missing.body).toEqual({ identifier: ['This field is required.'] });
  });
});

describe('fault injection on the new endpoints', () => {
  it('status, maintenance and lost answers apply to them like to the rest', async () => {
    sb.control.addFault({
      match: { target: 'api', method: 'GET', path: '/api/v2/project-merge-vcfs' },
      fault: { type: 'status', status: 503, retryAfter: 2 },
    });
    const unavailable = await api(sb, 'GET', `/api/v2/project-merge-vcfs/${sb.projects.default}`);
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers.get('retry-after')).toBe('2');
    expect((await api(sb, 'GET', `/api/v2/project-merge-vcfs/${sb.projects.default}`)).status).toBe(
      200,
    );

    sb.control.addFault({
      match: { path: /^\/api\/v2\/basespace-projects\/?$/ },
      fault: { type: 'maintenance', message: 'Down for BaseSpace.' },
    });
    const maintenance = await api(sb, 'GET', '/api/v2/basespace-projects/');
    expect(maintenance.status).toBe(503);
    expect(maintenance.body).toMatchObject({
      maintenance: true,
      maintenance_message: 'Down for BaseSpace.',
    });

    // the batch is created, its answer is lost: what idempotency exists for
    sb.control.addFault({
      match: { method: 'POST', path: '/api/v2/project-batches' },
      fault: { type: 'reset-mid-body' },
    });
    const lost = await fetch(`${sb.url}/api/v2/project-batches/${sb.projects.default}`, {
      method: 'POST',
      headers: { authorization: `Api-Key ${sb.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'lost answer', batch_type: 'illuminahd', sample_ids: [] }),
    })
      .then((r) => r.json())
      .catch((e: Error) => e);
    expect(lost).toBeInstanceOf(Error);
    const batches = await api(sb, 'GET', `/api/v2/project-batches/${sb.projects.default}`);
    expect(batches.body.results.map((b: { name: string }) => b.name)).toContain('lost answer');
    const logged = sb.control.requests.filter((r) => r.path.startsWith('/api/v2/project-batches/'));
    expect(logged.at(0)?.fault).toBe('reset-mid-body');
  });

  it('chaos keys name the new operations and their resources', async () => {
    expect(apiOperation('GET', '/api/v2/batches/4c0468d4-18dc-471c-9201-2084cd81599b')).toBe(
      'GET batches/{id}',
    );
    expect(
      apiOperation('POST', '/api/v2/project-merge-vcfs/4c0468d4-18dc-471c-9201-2084cd81599b'),
    ).toBe('POST project-merge-vcfs/{id}');
    sb.control.setChaos({
      seed: 1,
      label: 'names',
      profile: {
        name: 'every batch read',
        rules: [
          {
            match: { target: 'api', operation: 'GET batches/{id}' },
            sequence: [{ type: 'status', status: 429 }],
          },
        ],
      },
    });
    const batches = await api(sb, 'GET', `/api/v2/project-batches/${sb.projects.default}`);
    const id = batches.body.results[0].id;
    expect((await api(sb, 'GET', `/api/v2/batches/${id}`)).status).toBe(429);
    expect((await api(sb, 'GET', `/api/v2/batches/${id}`)).status).toBe(200);
    const report = sb.control.chaosReport();
    sb.control.setChaos(null);
    expect(report.faults.map((f) => f.key)).toEqual([
      '[names] api GET batches/{id} batch:Sandbox default project/lost answer',
    ]);
  });
});
