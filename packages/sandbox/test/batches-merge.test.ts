import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { strFromU8, unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANUAL_STEP_MS, type Sandbox, startSandbox } from '../src/index.js';
import { api, download, fastq, uploadAndAssign } from './helpers.js';

// batches (types, create, list, get + report) and merged-VCF jobs: queued → running → succeeded

let sb: Sandbox;
let capability: string;
let fastqOnly: string;

beforeAll(async () => {
  sb = await startSandbox({ pipeline: 'manual' });
  const caps = await api(sb, 'GET', '/api/v2/pipeline-capabilities/');
  for (const c of caps.body.results) {
    if (c.merge_vcfs_enabled) capability = c.id;
    else fastqOnly = c.id;
  }
});
afterAll(async () => {
  await sb?.close();
});

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const step = () => sb.control.advance(MANUAL_STEP_MS);

async function projectWith(name: string, files: Record<string, Buffer>, cap = capability) {
  const created = await api(sb, 'POST', '/api/v2/projects/', { name, pipeline_capabilities: cap });
  const id = created.body.id as string;
  const samples = Object.keys(files).length
    ? await uploadAndAssign(sb, id, `folder-${name.replaceAll(' ', '-')}`, files)
    : {};
  await sb.control.advance(2 * MANUAL_STEP_MS); // samples finished
  return { id, samples };
}

describe('batches', () => {
  it('batch types of a project (paginated as the official client asks); none for FASTQ-only', async () => {
    const res = await api(
      sb,
      'GET',
      `/api/v2/project-batch-types/${sb.projects.default}?offset=0&limit=200`,
    );
    expect(res.status).toBe(200);
    expect(res.body.meta).toEqual({ count: 2, next: null, previous: null });
    expect(res.body.results.map((t: { key: string }) => t.key)).toEqual([
      'illuminasnp50',
      'illuminahd',
    ]);
    for (const t of res.body.results) expect(typeof t.description).toBe('string');
    const plain = await projectWith('batch types fastq only', {}, fastqOnly);
    const none = await api(sb, 'GET', `/api/v2/project-batch-types/${plain.id}`);
    expect(none.body.meta.count).toBe(0);
    expect((await api(sb, 'GET', `/api/v2/project-batch-types/${sb.projects.other}`)).status).toBe(
      404,
    );
  });

  it('create (201, reduced meta) → queued → running → succeeded with a report ZIP', async () => {
    const { id, samples } = await projectWith('batch run', {
      'B1_R1.fastq.gz': fastq(4, 'b1'),
      'B2-FAILQC_R1.fastq.gz': fastq(4, 'b2'),
    });
    const sampleIds = [samples.B1!, samples['B2-FAILQC']!];
    const res = await api(sb, 'POST', `/api/v2/project-batches/${id}`, {
      name: 'Plate 1',
      batch_type: 'illuminasnp50',
      sample_ids: sampleIds,
    });
    expect(res.status).toBe(201);
    expect(res.body.meta).toEqual({ count: 1 });
    const batch = res.body.results[0];
    expect(batch).toMatchObject({
      name: 'Plate 1',
      batch_type: 'illuminasnp50',
      sample_ids: sampleIds,
      files: [],
    });
    expect(batch.last_status.status).toBe('queued');
    const get = () => api(sb, 'GET', `/api/v2/batches/${batch.id}`);
    await step();
    expect((await get()).body.last_status.status).toBe('running');
    await step();
    const done = await get();
    expect(done.body.last_status.status).toBe('succeeded');
    expect(done.body.files).toHaveLength(1);
    const report = done.body.files[0];
    expect(report.file_type).toBe('report-zip');
    expect(decodeURIComponent(report.download_url)).toContain(`filename=${batch.id}_report.zip`);
    const zip = await download(report.download_url);
    expect(zip.status).toBe(200);
    expect(sha(zip.body)).toBe(report.checksum_sha256);
    expect(zip.body.length).toBe(report.size);
    const entries = unzipSync(zip.body);
    const csv = strFromU8(entries['illuminasnp50_report.csv']!).trim().split('\n');
    expect(csv[0]).toBe('sample_id,client_id,status,call_rate');
    expect(csv.slice(1).map((l) => l.split(',').slice(0, 3).join(','))).toEqual([
      `${samples.B1},B1,succeeded`,
      `${samples['B2-FAILQC']},B2-FAILQC,failed qc`,
    ]);
    const sum = await api(sb, 'GET', `/api/v2/files/${report.id}.sha256`);
    expect(sum.text).toBe(`${report.checksum_sha256} *${batch.id}_report.zip\n`);

    // listed newest first, with the official client's paging parameters
    const second = await api(sb, 'POST', `/api/v2/project-batches/${id}`, {
      name: 'Plate 2',
      batch_type: 'illuminahd',
      sample_ids: [samples.B1],
    });
    const list = await api(sb, 'GET', `/api/v2/project-batches/${id}?offset=0&limit=200`);
    expect(list.body.meta.count).toBe(2);
    expect(list.body.results.map((b: { id: string }) => b.id)).toEqual([
      second.body.results[0].id,
      batch.id,
    ]);
    const page = await api(sb, 'GET', `/api/v2/project-batches/${id}?limit=1`);
    expect(new URL(page.body.meta.next).searchParams.get('offset')).toBe('1');
  });

  it('without sample_ids: every finished sample of the project; a FAIL name fails', async () => {
    const { id, samples } = await projectWith('batch all', {
      'A1_R1.fastq.gz': fastq(3, 'a1'),
      'A2_R1.fastq.gz': fastq(3, 'a2'),
      'A3-FAIL_R1.fastq.gz': fastq(3, 'a3'),
    });
    const res = await api(sb, 'POST', `/api/v2/project-batches/${id}`, {
      name: 'FAIL on purpose',
      batch_type: 'illuminahd',
      sample_ids: [],
    });
    expect(res.status).toBe(201);
    expect([...res.body.results[0].sample_ids].sort()).toEqual([samples.A1, samples.A2].sort());
    await step();
    await step();
    const failed = await api(sb, 'GET', `/api/v2/batches/${res.body.results[0].id}`);
    expect(failed.body.last_status.status).toBe('failed');
    expect(failed.body.last_status.note).toMatch(/FAIL/);
    expect(failed.body.files).toEqual([]);
  });

  it('validation: DRF field errors, unknown project / batch → 404', async () => {
    const path = `/api/v2/project-batches/${sb.projects.default}`;
    const missing = await api(sb, 'POST', path, { sample_ids: [] });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({
      name: ['This field is required.'],
      batch_type: ['This field is required.'],
    });
    const badType = await api(sb, 'POST', path, { name: 'x', batch_type: 'nope', sample_ids: [] });
    expect(badType.body).toEqual({ batch_type: ['"nope" is not a valid choice.'] });
    const foreign = '00000000-0000-4000-8000-000000000000';
    const badIds = await api(sb, 'POST', path, {
      name: 'x',
      batch_type: 'illuminahd',
      sample_ids: [foreign],
    });
    expect(badIds.status).toBe(400);
    expect(badIds.body.sample_ids[0]).toContain(foreign);
    expect((await api(sb, 'POST', `/api/v2/project-batches/${sb.projects.other}`, {})).status).toBe(
      404,
    );
    expect((await api(sb, 'GET', `/api/v2/batches/${foreign}`)).status).toBe(404);
  });
});

describe('merged VCF', () => {
  it('the seeded project has a finished, up-to-date merge; asking again → 400 up-to-date', async () => {
    const status = await api(sb, 'GET', `/api/v2/project-merge-vcfs/${sb.projects.default}`);
    expect(status.status).toBe(200);
    expect(Object.keys(status.body).sort()).toEqual([
      'created',
      'id',
      'last_status',
      'up_to_date',
      'user',
    ]);
    expect(status.body.last_status.status).toBe('succeeded');
    expect(status.body.up_to_date).toBe(true);
    // the official client posts the body "null" (json.dumps(None)) with a JSON content type
    const again = await fetch(`${sb.url}/api/v2/project-merge-vcfs/${sb.projects.default}`, {
      method: 'POST',
      headers: { authorization: `Api-Key ${sb.apiKey}`, 'content-type': 'application/json' },
      body: 'null',
    });
    expect(again.status).toBe(400);
    expect(await again.json()).toEqual([
      `Merged VCF file for project ${sb.projects.default} is up-to-date`,
    ]);
  });

  it('create → queued → running → succeeded; the VCF replaces the project file', async () => {
    const { id } = await projectWith('merge run', {
      'M1_R1.fastq.gz': fastq(3, 'm1'),
      'M2_R1.fastq.gz': fastq(3, 'm2'),
    });
    expect((await api(sb, 'GET', `/api/v2/project-merge-vcfs/${id}`)).status).toBe(404);
    const created = await api(sb, 'POST', `/api/v2/project-merge-vcfs/${id}`);
    expect(created.status).toBe(201);
    expect(created.body.last_status.status).toBe('queued');
    expect(created.body.up_to_date).toBe(false);
    const running = await api(sb, 'POST', `/api/v2/project-merge-vcfs/${id}`);
    expect(running.status).toBe(400);
    expect(running.body).toEqual([`Merge VCFs for project ${id} is already running`]);
    const files = async () =>
      (await api(sb, 'GET', `/api/v2/projects/${id}`)).body.files.filter(
        (f: { file_type: string }) => f.file_type === 'impute-vcf-merged',
      );
    expect(await files()).toEqual([]);
    await step();
    const mid = await api(sb, 'GET', `/api/v2/project-merge-vcfs/${id}`);
    expect(mid.body).toMatchObject({ id: created.body.id, last_status: { status: 'running' } });
    await step();
    const done = await api(sb, 'GET', `/api/v2/project-merge-vcfs/${id}`);
    expect(done.body.last_status.status).toBe('succeeded');
    expect(done.body.up_to_date).toBe(true);
    const [merged] = await files();
    expect(merged).toBeDefined();
    const body = (await download(merged.download_url)).body;
    expect(sha(body)).toBe(merged.checksum_sha256);
    const header = gunzipSync(body)
      .toString()
      .split('\n')
      .find((l) => l.startsWith('#CHROM'))!;
    expect(header.split('\t').slice(9).sort()).toEqual(['M1', 'M2']);

    // a new finished sample makes the merge out of date; a new merge replaces the file
    await uploadAndAssign(sb, id, 'folder-merge-run-2', { 'M3_R1.fastq.gz': fastq(3, 'm3') });
    await sb.control.advance(2 * MANUAL_STEP_MS);
    expect((await api(sb, 'GET', `/api/v2/project-merge-vcfs/${id}`)).body.up_to_date).toBe(false);
    const next = await api(sb, 'POST', `/api/v2/project-merge-vcfs/${id}`);
    expect(next.status).toBe(201);
    await sb.control.advance(2 * MANUAL_STEP_MS);
    const replaced = await files();
    expect(replaced).toHaveLength(1);
    expect(replaced[0].id).not.toBe(merged.id);
  });

  it('refusals: a capability without merging, no samples, one sample, unknown project', async () => {
    const plain = await projectWith('merge fastq only', {}, fastqOnly);
    const cannot = await api(sb, 'POST', `/api/v2/project-merge-vcfs/${plain.id}`);
    expect(cannot.body).toEqual(['You attempted to merge VCFs for a project that cannot do that']);
    const empty = await api(sb, 'POST', `/api/v2/project-merge-vcfs/${sb.projects.empty}`);
    expect(empty.status).toBe(400);
    expect(empty.body).toEqual(['No samples found in project']);
    const one = await projectWith('merge one', { 'S1_R1.fastq.gz': fastq(3) });
    expect((await api(sb, 'POST', `/api/v2/project-merge-vcfs/${one.id}`)).body).toEqual([
      'should have at least 2 samples',
    ]);
    const failed = await projectWith('merge failed', { 'F1-FAIL_R1.fastq.gz': fastq(3) });
    expect((await api(sb, 'POST', `/api/v2/project-merge-vcfs/${failed.id}`)).body).toEqual([
      'must have impute VCF files associated',
    ]);
    expect((await api(sb, 'POST', `/api/v2/project-merge-vcfs/${sb.projects.other}`)).status).toBe(
      404,
    );
  });
});
