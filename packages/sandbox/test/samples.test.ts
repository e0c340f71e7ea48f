import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANUAL_STEP_MS, type Sandbox, startSandbox } from '../src/index.js';
import { api, UUID_RE } from './helpers.js';

let sb: Sandbox;
const seeded: Record<string, string> = {};

beforeAll(async () => {
  sb = await startSandbox({ pipeline: 'manual' });
  const list = await api(sb, 'GET', `/api/v2/project-samples/${sb.projects.default}`);
  for (const s of list.body.results) seeded[s.client_id] = s.id;
});
afterAll(async () => {
  await sb?.close();
});

describe('samples', () => {
  it('project-samples list items carry the §7.1 fields', async () => {
    const res = await api(
      sb,
      'GET',
      `/api/v2/project-samples/${sb.projects.default}/?search=&sort_by=modified&sort_order=desc&status=all&archive_status=all&hidden_status=visible&offset=0&limit=200`,
    );
    expect(res.status).toBe(200);
    expect(res.body.meta.count).toBe(4);
    const item = res.body.results[0];
    expect(Object.keys(item).sort()).toEqual(
      [
        'archive_last_status',
        'client_id',
        'created',
        'failed_qc',
        'hidden',
        'id',
        'last_status',
        'legacy_id',
        'modified',
        'physical_id',
        'run',
      ].sort(),
    );
    expect(item.last_status).toEqual({
      id: expect.stringMatching(UUID_RE),
      status: expect.any(String),
      note: expect.any(String),
      created: expect.stringMatching(/Z$/),
    });
    expect(item.archive_last_status).toEqual({
      id: expect.stringMatching(UUID_RE),
      status: expect.any(String),
      created: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}\+00:00$/),
      transition_cutoff: null,
    });
    const modified = res.body.results.map((s: { modified: string }) => s.modified);
    expect([...modified].sort().reverse()).toEqual(modified);
  });

  it('filters: status, archive_status, sort_by client_id, invalid values → 400', async () => {
    const q = (qs: string) =>
      api(sb, 'GET', `/api/v2/project-samples/${sb.projects.default}?${qs}`);
    const ids = (r: { body: { results: { client_id: string }[] } }) =>
      r.body.results.map((s) => s.client_id);
    expect(ids(await q('status=succeeded&sort_by=client_id&sort_order=asc'))).toEqual([
      'SEED-A01',
      'SEED-A04',
    ]);
    expect(ids(await q('status=completed&sort_by=client_id&sort_order=asc'))).toEqual([
      'SEED-A01',
      'SEED-A02-FAILQC',
      'SEED-A04',
    ]);
    expect(ids(await q('status=failed&sort_by=client_id&sort_order=asc'))).toEqual([
      'SEED-A02-FAILQC',
      'SEED-A03-FAIL',
    ]);
    expect(ids(await q('status=running'))).toEqual([]);
    expect(ids(await q('archive_status=archived'))).toEqual(['SEED-A04']);
    expect(ids(await q('sort_by=client_id&sort_order=desc'))).toEqual([
      'SEED-A04',
      'SEED-A03-FAIL',
      'SEED-A02-FAILQC',
      'SEED-A01',
    ]);
    for (const bad of [
      'status=done',
      'archive_status=x',
      'sort_by=name',
      'sort_order=up',
      'hidden_status=no',
      'limit=-1',
    ]) {
      const res = await q(bad);
      expect(res.status, bad).toBe(400);
      expect(Object.keys(res.body)).toEqual([bad.split('=')[0]]);
    }
    expect((await api(sb, 'GET', `/api/v2/project-samples/${sb.projects.other}`)).status).toBe(404);
  });

  it('GET /samples/{id}: files with presigned URLs named after the sample; 404 for others', async () => {
    const res = await api(sb, 'GET', `/api/v2/samples/${seeded['SEED-A01']}`);
    expect(res.status).toBe(200);
    expect(res.body.project).toBe(sb.projects.default);
    const vcf = res.body.files.find((f: { file_type: string }) => f.file_type === 'impute-vcf');
    expect(vcf).toMatchObject({ shadow_mode: false, size: expect.any(Number) });
    expect(vcf.s3_path).toMatch(/^s3:\/\//);
    const url = new URL(vcf.download_url);
    expect(url.origin).toBe(sb.s3Url);
    expect(url.searchParams.get('response-content-disposition')).toBe(
      `attachment; filename=${seeded['SEED-A01']}.impute.vcf.gz`,
    );
    for (const p of [
      'X-Amz-Algorithm',
      'X-Amz-Credential',
      'X-Amz-Date',
      'X-Amz-Expires',
      'X-Amz-SignedHeaders',
      'X-Amz-Signature',
    ]) {
      expect(url.searchParams.has(p)).toBe(true);
    }
    expect(vcf.download_url).toContain('attachment%3B+filename%3D');
    expect(
      (await api(sb, 'GET', '/api/v2/samples/00000000-0000-4000-8000-000000000000')).body,
    ).toEqual({ detail: 'Not found.' });
  });

  it('archived samples have download_url null; restore → restore_requested → restored', async () => {
    const id = seeded['SEED-A04']!;
    const before = await api(sb, 'GET', `/api/v2/samples/${id}`);
    expect(before.body.archive_last_status.status).toBe('archived');
    expect(before.body.files.every((f: { download_url: unknown }) => f.download_url === null)).toBe(
      true,
    );

    const notInProject = await api(
      sb,
      'POST',
      `/api/v2/project-restore-samples/${sb.projects.default}`,
      { sample_ids: ['00000000-0000-4000-8000-000000000000'] },
    );
    expect(notInProject.status).toBe(400);
    expect(Object.keys(notInProject.body)).toEqual(['sample_ids']);

    const res = await fetch(`${sb.url}/api/v2/project-restore-samples/${sb.projects.default}`, {
      method: 'POST',
      headers: { authorization: `Api-Key ${sb.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sample_ids: [] }),
    });
    expect(res.status).toBe(202);
    expect(await res.text()).toBe('');
    const pending = await api(
      sb,
      'GET',
      `/api/v2/project-samples/${sb.projects.default}?archive_status=restore_requested`,
    );
    expect(pending.body.results.map((s: { id: string }) => s.id)).toEqual([id]);
    await sb.control.advance(MANUAL_STEP_MS);
    const after = await api(sb, 'GET', `/api/v2/samples/${id}`);
    expect(after.body.archive_last_status.status).toBe('restored');
    expect(after.body.archive_last_status.transition_cutoff).not.toBeNull();
    expect(
      after.body.files.every((f: { download_url: unknown }) => typeof f.download_url === 'string'),
    ).toBe(true);

    sb.control.archiveSamples([id]);
    await api(sb, 'POST', `/api/v2/project-restore-samples/${sb.projects.default}`, {
      sample_ids: [id],
    });
    await sb.control.completeRestores();
    expect(sb.control.getSample(id)?.archive_last_status.status).toBe('restored');
  });

  it('quality controls and metadata get/set', async () => {
    const qc = await api(
      sb,
      'GET',
      `/api/v2/sample-quality-controls/${seeded['SEED-A02-FAILQC']}?offset=0&limit=200`,
    );
    expect(qc.status).toBe(200);
    const format = qc.body.results.find(
      (r: { quality_control_type: { key: string } }) => r.quality_control_type.key === 'format',
    );
    expect(format.quality_control_type.type).toBe('bool');
    expect(format.quality_control).toEqual({
      value_expected: null,
      value_measured: null,
      value_string: '',
      status: 'failed',
    });

    const id = seeded['SEED-A01']!;
    expect((await api(sb, 'GET', `/api/v2/sample-metadata/${id}`)).body).toEqual({
      metadata: null,
    });
    const set = await api(sb, 'POST', `/api/v2/sample-metadata/${id}`, {
      metadata: { lab: 'north', n: [1, 2] },
    });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ metadata: { lab: 'north', n: [1, 2] } });
    expect((await api(sb, 'GET', `/api/v2/sample-metadata/${id}`)).body).toEqual({
      metadata: { lab: 'north', n: [1, 2] },
    });
    const search = await api(
      sb,
      'GET',
      `/api/v2/project-samples/${sb.projects.default}?search=NORTH`,
    );
    expect(search.body.results.map((s: { id: string }) => s.id)).toEqual([id]);
    const bad = await api(sb, 'POST', `/api/v2/sample-metadata/${id}`, {});
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ metadata: ['This field is required.'] });
  });

  it('file-types: global list ends with qc/metadata; per project; unknown project 404', async () => {
    const global = await api(sb, 'GET', '/api/v2/file-types/');
    const keys = global.body.results.map((r: { key: string }) => r.key);
    expect(keys).toEqual(
      expect.arrayContaining([
        'impute-vcf',
        'impute-tbi',
        'alignment-bam',
        'alignment-bai',
        'ancestry-json',
        'fastq-r1',
        'fastq-r2',
      ]),
    );
    expect(keys.slice(-2)).toEqual(['qc', 'metadata']);
    expect(global.body.meta.count).toBe(keys.length);
    const project = await api(sb, 'GET', `/api/v2/file-types/?project_id=${sb.projects.default}`);
    expect(project.body.results.map((r: { key: string }) => r.key)).toEqual([
      'alignment-bai',
      'alignment-bam',
      'ancestry-json',
      'impute-tbi',
      'impute-vcf',
      'qc',
      'metadata',
    ]);
    const empty = await api(sb, 'GET', `/api/v2/file-types/?project_id=${sb.projects.empty}`);
    expect(empty.body.results.map((r: { key: string }) => r.key)).toEqual(['qc', 'metadata']);
    expect(
      (await api(sb, 'GET', `/api/v2/file-types/?project_id=${sb.projects.other}`)).status,
    ).toBe(404);
  });

  it('files/{id}.sha256: sha256sum line with §11 headers; missing checksum → 400', async () => {
    const sample = await api(sb, 'GET', `/api/v2/samples/${seeded['SEED-A01']}`);
    const vcf = sample.body.files.find((f: { file_type: string }) => f.file_type === 'impute-vcf');
    const res = await fetch(
      `${sb.url}/api/v2/files/${vcf.id}.sha256?filename=PLT4-A03.impute.vcf.gz`,
      { headers: { authorization: `Api-Key ${sb.apiKey}` } },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe(
      'attachment; filename="PLT4-A03.impute.vcf.gz.sha256"',
    );
    expect(await res.text()).toBe(`${vcf.checksum_sha256} *PLT4-A03.impute.vcf.gz\n`);
    const unknown = await api(
      sb,
      'GET',
      '/api/v2/files/00000000-0000-4000-8000-000000000000.sha256?filename=x',
    );
    expect(unknown.status).toBe(404);
  });

  it('hide / unhide / delete samples', async () => {
    const id = seeded['SEED-A03-FAIL']!;
    const path = (op: string) => `/api/v2/project-${op}-samples/${sb.projects.default}`;
    expect((await api(sb, 'POST', path('hide'), { sample_ids: [id] })).status).toBe(204);
    const visible = await api(sb, 'GET', `/api/v2/project-samples/${sb.projects.default}`);
    expect(visible.body.results.map((s: { id: string }) => s.id)).not.toContain(id);
    const hidden = await api(
      sb,
      'GET',
      `/api/v2/project-samples/${sb.projects.default}?hidden_status=hidden`,
    );
    expect(hidden.body.results.map((s: { id: string }) => s.id)).toEqual([id]);
    expect(hidden.body.results[0].hidden).toBe(true);
    await api(sb, 'POST', path('unhide'), { sample_ids: [id] });
    expect((await api(sb, 'GET', `/api/v2/samples/${id}`)).body.hidden).toBe(false);
    expect((await api(sb, 'DELETE', path('delete'), { sample_ids: [id] })).status).toBe(204);
    expect((await api(sb, 'GET', `/api/v2/samples/${id}`)).status).toBe(404);
    // production's answers: a deleted (or foreign) sample, an empty list
    const bad = await api(sb, 'POST', path('hide'), { sample_ids: [id] });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({
      sample_ids: ['All sample ids must be part of the current project.'],
    });
    const empty = await api(sb, 'DELETE', path('delete'), { sample_ids: [] });
    expect(empty.status).toBe(400);
    expect(empty.body).toEqual({ sample_ids: ['This list may not be empty.'] });
  });
});
