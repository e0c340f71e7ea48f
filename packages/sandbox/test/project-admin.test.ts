import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANUAL_STEP_MS, type Sandbox, startSandbox } from '../src/index.js';
import { api, download, fastq, UUID_RE, uploadAndAssign } from './helpers.js';

// projects create / delete / hide, pipelines and capabilities, cancel / import / copy samples

let sb: Sandbox;
let capability: string;

beforeAll(async () => {
  sb = await startSandbox({ pipeline: 'manual' });
  const p = await api(sb, 'GET', `/api/v2/projects/${sb.projects.default}`);
  capability = p.body.pipeline_capabilities;
});
afterAll(async () => {
  await sb?.close();
});

const newProject = async (name: string, cap = capability): Promise<string> => {
  const res = await api(sb, 'POST', '/api/v2/projects/', { name, pipeline_capabilities: cap });
  expect(res.status).toBe(201);
  return res.body.id;
};
const samplesOf = async (projectId: string, query = '') =>
  (await api(sb, 'GET', `/api/v2/project-samples/${projectId}?offset=0&limit=200${query}`)).body;

describe('projects', () => {
  it('create answers the project; roles as production shapes them', async () => {
    const res = await api(sb, 'POST', '/api/v2/projects/', {
      name: 'created',
      pipeline_capabilities: capability,
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: 'created',
      pipeline_capabilities: capability,
      sample_count: 0,
      roles: { organization: { name: 'owner' } },
    });
    const bad = await api(sb, 'POST', '/api/v2/projects/', {
      name: 'x',
      pipeline_capabilities: '00000000-0000-4000-8000-000000000000',
    });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body)).toEqual(['pipeline_capabilities']);
  });

  it('delete: 204, then gone from the listing, the detail and its samples (404)', async () => {
    const id = await newProject('to delete');
    const samples = await uploadAndAssign(sb, id, 'del-proj', { 'D1_R1.fastq.gz': fastq(4) });
    const del = await api(sb, 'DELETE', '/api/v2/projects-delete/', { project_ids: [id] });
    expect(del.status).toBe(204);
    expect(del.text).toBe('');
    expect((await api(sb, 'GET', `/api/v2/projects/${id}`)).status).toBe(404);
    expect((await api(sb, 'GET', `/api/v2/samples/${samples.D1}`)).status).toBe(404);
    const all = await api(sb, 'GET', '/api/v2/projects/?hidden_status=all&offset=0&limit=1000');
    expect(all.body.results.map((p: { id: string }) => p.id)).not.toContain(id);
    const again = await api(sb, 'DELETE', '/api/v2/projects-delete/', { project_ids: [id] });
    expect(again.status).toBe(400);
    expect(Object.keys(again.body)).toEqual(['project_ids']);
    const other = await api(sb, 'DELETE', '/api/v2/projects-delete/', {
      project_ids: [sb.projects.other],
    });
    expect(other.status).toBe(400);
  });

  it('hide / unhide answer 204 (as production) and the listing follows', async () => {
    const id = await newProject('to hide');
    expect((await api(sb, 'POST', '/api/v2/projects-hide/', { project_ids: [id] })).status).toBe(
      204,
    );
    const visible = await api(sb, 'GET', '/api/v2/projects/?hidden_status=visible&limit=1000');
    expect(visible.body.results.map((p: { id: string }) => p.id)).not.toContain(id);
    expect((await api(sb, 'POST', '/api/v2/projects-unhide/', { project_ids: [id] })).status).toBe(
      204,
    );
    const again = await api(sb, 'GET', '/api/v2/projects/?hidden_status=visible&limit=1000');
    expect(again.body.results.map((p: { id: string }) => p.id)).toContain(id);
  });
});

describe('pipelines and capabilities', () => {
  it('GET pipeline/ as the official client asks (sort_by=created&sort_order=desc)', async () => {
    const res = await api(
      sb,
      'GET',
      '/api/v2/pipeline/?sort_by=created&sort_order=desc&offset=0&limit=200',
    );
    expect(res.status).toBe(200);
    expect(res.body.meta).toEqual({ count: 2, next: null, previous: null });
    expect(res.body.results.map((p: { version: string }) => p.version)).toEqual([
      'v3.3.0',
      'v2.9.1',
    ]);
    const asc = await api(sb, 'GET', '/api/v2/pipeline/?sort_order=asc');
    expect(asc.body.results[0].version).toBe('v2.9.1');
    const page = await api(sb, 'GET', '/api/v2/pipeline/?limit=1');
    expect(new URL(page.body.meta.next).searchParams.get('offset')).toBe('1');
    const bad = await api(sb, 'GET', '/api/v2/pipeline/?sort_by=version');
    expect(bad.status).toBe(400);
    expect(bad.body.sort_by[0]).toMatch(/valid choice/);
  });

  it('GET pipeline/{id} lists its capabilities; unknown → 404', async () => {
    const list = await api(sb, 'GET', '/api/v2/pipeline/');
    const latest = list.body.results[0];
    const res = await api(sb, 'GET', `/api/v2/pipeline/${latest.id}`);
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(latest.id);
    expect(res.body.capabilities).toHaveLength(2);
    for (const c of res.body.capabilities) {
      expect(Object.keys(c).sort()).toEqual([
        'id',
        'key',
        'merge_vcfs_enabled',
        'name',
        'private',
        'version',
      ]);
      expect(c.id).toMatch(UUID_RE);
    }
    expect(
      res.body.capabilities.map((c: { merge_vcfs_enabled: boolean }) => c.merge_vcfs_enabled),
    ).toEqual([true, false]);
    expect(
      (await api(sb, 'GET', '/api/v2/pipeline/00000000-0000-4000-8000-000000000000')).status,
    ).toBe(404);
  });
});

describe('cancel samples', () => {
  it('running samples → canceled; listings and filters follow; finished ones are refused', async () => {
    const project = await newProject('cancel');
    const ids = await uploadAndAssign(sb, project, 'cancel-run', {
      'C1_R1.fastq.gz': fastq(4),
      'C2_R1.fastq.gz': fastq(4),
    });
    await sb.control.advance(MANUAL_STEP_MS); // both running
    const path = `/api/v2/project-cancel-samples/${project}`;
    const res = await api(sb, 'POST', path, { sample_ids: [ids.C1] });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ message: '1 sample(s) analysis canceled successfully' });
    await sb.control.advance(2 * MANUAL_STEP_MS); // C2 finishes, C1 stays canceled
    expect((await api(sb, 'GET', `/api/v2/samples/${ids.C1}`)).body.last_status.status).toBe(
      'canceled',
    );
    expect((await api(sb, 'GET', `/api/v2/samples/${ids.C2}`)).body.last_status.status).toBe(
      'succeeded',
    );
    const running = await samplesOf(project, '&status=running');
    expect(running.meta.count).toBe(0);
    const completed = await samplesOf(project, '&status=completed');
    expect(completed.results.map((s: { id: string }) => s.id)).toEqual([ids.C2]);
    const all = await samplesOf(project);
    expect(all.meta.count).toBe(2);

    const finished = await api(sb, 'POST', path, { sample_ids: [ids.C2] });
    expect(finished.status).toBe(400);
    expect(finished.body).toEqual({ sample_ids: [`Invalid sample IDs: ${ids.C2}`] });
    const foreign = '00000000-0000-4000-8000-000000000000';
    const notIn = await api(sb, 'POST', path, { sample_ids: [foreign] });
    expect(notIn.body).toEqual({ sample_ids: [`Invalid sample IDs: ${foreign}`] });
    const empty = await api(sb, 'POST', path, { sample_ids: [] });
    expect(empty.status).toBe(400);
    expect(empty.body).toEqual({ sample_ids: ['This list may not be empty.'] });
  });
});

describe('import and copy existing samples', () => {
  it('import: 202, the samples are analysed again in the destination project', async () => {
    const source = await newProject('import source');
    const ids = await uploadAndAssign(sb, source, 'import-src', {
      'I1_R1.fastq.gz': fastq(6, 'i1'),
      'I2-FAILQC_R1.fastq.gz': fastq(6, 'i2'),
    });
    await sb.control.advance(2 * MANUAL_STEP_MS);
    const dest = await newProject('import destination');
    const res = await api(sb, 'POST', '/api/v2/project-samples-import/', {
      project_id: dest,
      samples: [{ sample_id: ids.I1 }, { sample_id: ids['I2-FAILQC'] }],
      metadata: { batch: 'b1' },
    });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({
      project_id: dest,
      samples: [
        { sample_id: ids.I1, client_id: 'I1' },
        { sample_id: ids['I2-FAILQC'], client_id: 'I2-FAILQC' },
      ],
      metadata: { batch: 'b1' },
    });
    const imported = await samplesOf(dest);
    expect(imported.meta.count).toBe(2);
    expect(
      imported.results.every(
        (s: { last_status: { status: string } }) => s.last_status.status === 'created',
      ),
    ).toBe(true);
    await sb.control.advance(2 * MANUAL_STEP_MS);
    const done = await samplesOf(dest, '&sort_by=client_id&sort_order=asc');
    expect(
      done.results.map((s: { client_id: string; last_status: { status: string } }) => [
        s.client_id,
        s.last_status.status,
      ]),
    ).toEqual([
      ['I1', 'succeeded'],
      ['I2-FAILQC', 'failed qc'],
    ]);
    const detail = await api(sb, 'GET', `/api/v2/sample-metadata/${done.results[0].id}`);
    expect(detail.body.metadata).toEqual({ batch: 'b1' });
    // the source samples stay where they were
    expect((await samplesOf(source)).meta.count).toBe(2);
  });

  it('import: production errors (unknown project, empty list, unfinished sample)', async () => {
    const project = await newProject('import errors');
    const ids = await uploadAndAssign(sb, project, 'import-err', { 'E1_R1.fastq.gz': fastq(4) });
    const unknown = await api(sb, 'POST', '/api/v2/project-samples-import/', {
      project_id: sb.projects.other,
      samples: [{ sample_id: ids.E1 }],
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toEqual([
      'Project does not exist or you do not have privileges to access it.',
    ]);
    const empty = await api(sb, 'POST', '/api/v2/project-samples-import/', {
      project_id: sb.projects.empty,
      samples: [],
    });
    expect(empty.body).toEqual({ samples: ['This list may not be empty.'] });
    const unfinished = await api(sb, 'POST', '/api/v2/project-samples-import/', {
      project_id: sb.projects.empty,
      samples: [{ sample_id: ids.E1 }],
    });
    expect(unfinished.status).toBe(400);
    expect(Object.keys(unfinished.body)).toEqual(['samples']);
    const tooMany = await api(sb, 'POST', '/api/v2/project-samples-import/', {
      project_id: sb.projects.empty,
      samples: Array.from({ length: 101 }, () => ({ sample_id: ids.E1 })),
    });
    expect(tooMany.body).toEqual({ samples: ['Ensure this field has no more than 100 elements.'] });
  });

  it('copy: only samples finished 24 h ago; the copy is finished, with the same deliverables', async () => {
    const source = await newProject('copy source');
    const ids = await uploadAndAssign(sb, source, 'copy-src', { 'K1_R1.fastq.gz': fastq(5, 'k') });
    await sb.control.advance(2 * MANUAL_STEP_MS);
    const dest = await newProject('copy destination');
    const body = { project_id: dest, samples: [{ sample_id: ids.K1 }] };
    const early = await api(sb, 'POST', '/api/v2/project-samples-copy/', body);
    expect(early.status).toBe(400);
    expect(early.body).toEqual({
      samples: [
        'All samples must be available for at least 24 hours and in succeeded or failed_qc status.',
      ],
    });
    await sb.control.advance(24 * 3600 * 1000);
    const res = await api(sb, 'POST', '/api/v2/project-samples-copy/', body);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({
      project_id: dest,
      samples: [{ sample_id: ids.K1, client_id: 'K1' }],
    });
    const copied = await samplesOf(dest);
    expect(copied.meta.count).toBe(1);
    expect(copied.results[0].last_status.status).toBe('succeeded');
    expect(copied.results[0].id).not.toBe(ids.K1);
    const original = await api(sb, 'GET', `/api/v2/samples/${ids.K1}`);
    const copy = await api(sb, 'GET', `/api/v2/samples/${copied.results[0].id}`);
    const vcf = (s: {
      files: Array<{
        file_type: string;
        checksum_sha256: string;
        download_url: string;
        id: string;
      }>;
    }) => s.files.find((f) => f.file_type === 'impute-vcf')!;
    expect(vcf(copy.body).checksum_sha256).toBe(vcf(original.body).checksum_sha256);
    expect(vcf(copy.body).id).not.toBe(vcf(original.body).id);
    expect((await download(vcf(copy.body).download_url)).status).toBe(200);
    const types = await api(sb, 'GET', `/api/v2/file-types/?project_id=${dest}`);
    expect(types.body.results.map((t: { key: string }) => t.key)).toContain('impute-vcf');
  });
});
