import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../src/index.js';
import { api, UUID_RE } from './helpers.js';

let sb: Sandbox;

beforeAll(async () => {
  sb = await startSandbox({ pipeline: 'manual', uploadCredentialsTtlSeconds: 120 });
});
afterAll(async () => {
  await sb?.close();
});

const reserve = (path: string) =>
  api(sb, 'POST', '/api/v2/uploads-post-data/', { destination_path: path });

/** Marks an upload as transferred by writing its object through the S3 proxy (admin key). */
async function putObject(bucket: string, key: string, body: string): Promise<void> {
  const { S3Client, PutObjectCommand } = await import('@aws-sdk/client-s3');
  const client = new S3Client({
    endpoint: sb.s3Url,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  client.destroy();
}

describe('upload-credentials', () => {
  it('returns botocore-style credentials with expiry_time from the TTL option', async () => {
    const before = Date.now();
    const res = await api(sb, 'POST', '/api/v2/upload-credentials/', {});
    expect(res.status).toBe(200);
    expect(res.body.version).toBe(1);
    for (const key of ['access_key', 'secret_key', 'token'])
      expect(typeof res.body[key]).toBe('string');
    expect(res.body.expiry_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
    const expiry = Date.parse(res.body.expiry_time);
    expect(expiry - before).toBeGreaterThan(110_000);
    expect(expiry - before).toBeLessThanOrEqual(121_000);
  });
});

describe('uploads-post-data', () => {
  it('creates a started upload (201) with s3 bucket/object_name and last_status', async () => {
    const res = await reserve('gncv://run-a/PLT4-A03_R1.fastq.gz');
    expect(res.status).toBe(201);
    expect(res.body.id).toMatch(UUID_RE);
    expect(res.body.destination_path).toBe('gncv://run-a/PLT4-A03_R1.fastq.gz');
    expect(res.body.s3.bucket).toBe(sb.control.buckets.uploads);
    expect(res.body.s3.object_name).toMatch(/uploads\/.*\.fastq-r1$/);
    expect(res.body.last_status).toMatchObject({ status: 'started', note: '' });
    expect(res.body.last_status.id).toMatch(UUID_RE);
  });

  it('is idempotent per destination path and flips to succeeded once the object exists', async () => {
    const first = await reserve('gncv://run-b/S1_R1.fastq.gz');
    const again = await reserve('gncv://run-b/S1_R1.fastq.gz');
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    expect(again.body.last_status.status).toBe('started');
    await putObject(first.body.s3.bucket, first.body.s3.object_name, '@r\nACGT\n+\nIIII\n');
    expect(sb.control.getUpload(first.body.id)?.status).toBe('succeeded');
    const third = await reserve('gncv://run-b/S1_R1.fastq.gz');
    expect(third.body.id).toBe(first.body.id);
    expect(third.body.last_status.status).toBe('succeeded');
  });

  it('validates destination paths (400 field map keyed destination_path)', async () => {
    for (const path of [
      'run-a/x_R1.fastq.gz',
      's3://run-a/x_R1.fastq.gz',
      'gncv://run-a/x_R1.txt',
      'gncv://run-a//x_R1.fastq.gz',
      'gncv:///x_R1.fastq.gz',
      '',
    ]) {
      const res = await reserve(path);
      expect(res.status, path).toBe(400);
      expect(Object.keys(res.body)).toEqual(['destination_path']);
      expect(typeof res.body.destination_path[0]).toBe('string');
    }
    for (const ext of ['.fastq.gz', '.fastq.bgz', '.fq.gz', '.fq.bgz', '.FASTQ.GZ']) {
      expect((await reserve(`gncv://ext-ok/S_R1${ext}`)).status).toBe(201);
    }
  });

  it('a deleted upload blocks its destination path with 400', async () => {
    const res = await reserve('gncv://run-del/D1_R1.fastq.gz');
    sb.control.deleteUpload(res.body.id);
    const again = await reserve('gncv://run-del/D1_R1.fastq.gz');
    expect(again.status).toBe(400);
    expect(again.body.destination_path[0]).toMatch(/deleted/);
  });
});

describe('uploads-url', () => {
  it('creates a succeeded upload at once and records source_url', async () => {
    const res = await api(sb, 'POST', '/api/v2/uploads-url/', {
      destination_path: 'gncv://url-run/U1_R1.fastq.gz',
      source_url: 'https://storage.example.net/seq/U1_R1.fastq.gz?sig=abc',
    });
    expect(res.status).toBe(201);
    expect(res.body.last_status.status).toBe('succeeded');
    expect(res.body.source).toBe('cli url');
    expect(res.body.source_url).toBe('https://storage.example.net/seq/U1_R1.fastq.gz?sig=abc');
  });

  it('validates source_url scheme and case-sensitive FASTQ extension', async () => {
    for (const url of [
      'ftp://h/x.fastq.gz',
      'https://h/x.FASTQ.GZ',
      'https://h/x.txt',
      'not a url',
    ]) {
      const res = await api(sb, 'POST', '/api/v2/uploads-url/', {
        destination_path: 'gncv://url-bad/B_R1.fastq.gz',
        source_url: url,
      });
      expect(res.status, url).toBe(400);
      expect(Object.keys(res.body)).toEqual(['source_url']);
    }
  });
});

describe('sample sheet and assignment', () => {
  it('groups R1/R2 by folder + client id, lists started uploads, filters and paginates', async () => {
    const ids: Record<string, string> = {};
    for (const name of ['PA_S1_L001_R1_001', 'PA_S1_L001_R2_001', 'PB_R1', 'PB_R2', 'PC_R1']) {
      const res = await reserve(`gncv://sheet-1/${name}.fastq.gz`);
      ids[name] = res.body.id;
    }
    await reserve('gncv://sheet-1/sub/PA_R1.fastq.gz'); // other folder → separate entry
    const res = await api(
      sb,
      'GET',
      '/api/v2/sample-sheet/?search=gncv%3A%2F%2Fsheet-1%2F&status=unassigned&sort_by=created&sort_order=asc&offset=0&limit=200',
    );
    expect(res.status).toBe(200);
    expect(res.body.meta.count).toBe(4);
    const [pa, pb, pc, sub] = res.body.results;
    expect(pa.client_id).toBe('PA');
    expect(pa.fastq.r1.upload).toBe(ids.PA_S1_L001_R1_001);
    expect(pa.fastq.r2.upload).toBe(ids.PA_S1_L001_R2_001);
    expect(pa.fastq.r1.last_status.status).toBe('started');
    expect(pa.fastq.r1.destination_path).toBe('gncv://sheet-1/PA_S1_L001_R1_001.fastq.gz');
    expect(pb.fastq.r2.upload).toBe(ids.PB_R2);
    expect(pc.fastq.r2).toBeUndefined();
    expect(sub.fastq.r1.destination_path).toBe('gncv://sheet-1/sub/PA_R1.fastq.gz');
    const desc = await api(sb, 'GET', '/api/v2/sample-sheet/?search=sheet-1&sort_order=desc');
    expect(desc.body.results[0].fastq.r1.destination_path).toContain('/sub/');
    const bad = await api(sb, 'GET', '/api/v2/sample-sheet/?status=nope');
    expect(bad.status).toBe(400);
  });

  it('assigns entries to a project: 201 shape, uploads become assigned, metadata applied', async () => {
    const r1 = await reserve('gncv://assign-1/AS1_R1.fastq.gz');
    const r2 = await reserve('gncv://assign-1/AS1_R2.fastq.gz');
    const single = await reserve('gncv://assign-1/AS2_R1.fastq.gz');
    const sheet = await api(
      sb,
      'GET',
      '/api/v2/sample-sheet/?search=assign-1&status=unassigned&sort_by=created&sort_order=asc',
    );
    const body = { uploads: sheet.body.results, metadata: { batch: '2026-01' } };
    const res = await api(sb, 'POST', `/api/v2/project-samples/${sb.projects.empty}`, body);
    expect(res.status).toBe(201);
    expect(res.body.metadata).toEqual({ batch: '2026-01' });
    expect(res.body.uploads).toHaveLength(2);
    const [a, b] = res.body.uploads;
    expect(a).toMatchObject({
      client_id: 'AS1',
      fastq: { r1: { upload: r1.body.id }, r2: { upload: r2.body.id } },
    });
    expect(a.sample).toMatch(UUID_RE);
    expect(b).toMatchObject({
      client_id: 'AS2',
      fastq: { r1: { upload: single.body.id }, r2: null },
    });

    const assigned = await api(sb, 'GET', '/api/v2/sample-sheet/?search=assign-1&status=assigned');
    expect(assigned.body.meta.count).toBe(2);
    expect(assigned.body.results.map((e: { sample: string }) => e.sample).sort()).toEqual(
      [a.sample, b.sample].sort(),
    );
    expect(
      (await api(sb, 'GET', '/api/v2/sample-sheet/?search=assign-1&status=unassigned')).body.meta
        .count,
    ).toBe(0);

    const meta = await api(sb, 'GET', `/api/v2/sample-metadata/${a.sample}`);
    expect(meta.body).toEqual({ metadata: { batch: '2026-01' } });
    const sample = await api(sb, 'GET', `/api/v2/samples/${a.sample}`);
    expect(sample.body.client_id).toBe('AS1');
    expect(sample.body.last_status.status).toBe('created');

    const twice = await api(sb, 'POST', `/api/v2/project-samples/${sb.projects.empty}`, body);
    expect(twice.status).toBe(400);
    expect(twice.body.uploads[0]).toMatch(/already assigned/);
  });

  it('accepts an empty batch and rejects unknown / other-org projects and uploads', async () => {
    const empty = await api(sb, 'POST', `/api/v2/project-samples/${sb.projects.empty}`, {
      uploads: [],
      metadata: null,
    });
    expect(empty.status).toBe(201);
    expect(empty.body).toEqual({ uploads: [], metadata: null });
    const other = await api(sb, 'POST', `/api/v2/project-samples/${sb.projects.other}`, {
      uploads: [],
      metadata: null,
    });
    expect(other.status).toBe(404);
    expect(other.body).toEqual({ detail: 'Not found.' });
    const unknown = await api(sb, 'POST', `/api/v2/project-samples/${sb.projects.empty}`, {
      uploads: [
        { client_id: 'X', fastq: { r1: { upload: '00000000-0000-4000-8000-000000000000' } } },
      ],
      metadata: null,
    });
    expect(unknown.status).toBe(400);
    expect(Object.keys(unknown.body)).toEqual(['uploads']);
  });

  it('paginates a sheet of more than 200 entries with absolute next', async () => {
    for (let i = 0; i < 210; i++) await reserve(`gncv://big-sheet/C${i}_R1.fastq.gz`);
    const first = await api(
      sb,
      'GET',
      '/api/v2/sample-sheet/?search=big-sheet&status=unassigned&sort_by=created&sort_order=desc&offset=0&limit=200',
    );
    expect(first.body.meta.count).toBe(210);
    expect(first.body.results).toHaveLength(200);
    const next = new URL(first.body.meta.next);
    expect(next.origin).toBe(sb.url);
    expect(Object.fromEntries(next.searchParams)).toMatchObject({
      search: 'big-sheet',
      status: 'unassigned',
      sort_by: 'created',
      sort_order: 'desc',
      offset: '200',
      limit: '200',
    });
    const second = await api(sb, 'GET', first.body.meta.next);
    expect(second.body.results).toHaveLength(10);
    expect(second.body.meta.next).toBeNull();
  });
});
