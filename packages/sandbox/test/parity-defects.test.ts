import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../src/index.js';
import { api, download, uploadAndAssign } from './helpers.js';

// The three defects of issue 21 found by running the official client against the sandbox, and
// the project-level files it downloads (reference genome, joint-called VCF).

let sb: Sandbox;

beforeAll(async () => {
  sb = await startSandbox({ pipeline: 'manual' });
});
afterAll(async () => {
  await sb?.close();
});

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const keys = (body: { results: Array<{ key: string }> }) => body.results.map((r) => r.key);

describe('file-types with project_id honours object', () => {
  it('object=reference_genome lists the project reference-genome types (no qc / metadata)', async () => {
    const res = await api(
      sb,
      'GET',
      `/api/v2/file-types/?project_id=${sb.projects.default}&object=reference_genome`,
    );
    expect(res.status).toBe(200);
    expect(keys(res.body)).toEqual([
      'genome-dict',
      'genome-fasta',
      'genome-fasta_amb',
      'genome-fasta_ann',
      'genome-fasta_bwt',
      'genome-fasta_fai',
      'genome-fasta_gzi',
      'genome-fasta_pac',
      'genome-fasta_sa',
      'genome-fasta_vcf_header',
    ]);
    expect(res.body.meta).toEqual({ count: 10, next: null, previous: null });
  });

  it('object=sample (and no object) lists the sample types present + qc, metadata', async () => {
    for (const q of ['', '&object=sample']) {
      const res = await api(sb, 'GET', `/api/v2/file-types/?project_id=${sb.projects.default}${q}`);
      expect(keys(res.body).slice(-2)).toEqual(['qc', 'metadata']);
      expect(keys(res.body)).toContain('impute-vcf');
      expect(keys(res.body)).not.toContain('genome-fasta');
    }
  });

  it('without project_id: the global reference-genome vocabulary; unknown project → 404', async () => {
    const global = await api(sb, 'GET', '/api/v2/file-types/?object=reference_genome');
    expect(keys(global.body)).toHaveLength(11);
    expect(keys(global.body)).toContain('genome-fasta_chromosomes');
    const other = await api(
      sb,
      'GET',
      `/api/v2/file-types/?project_id=${sb.projects.other}&object=reference_genome`,
    );
    expect(other.status).toBe(404);
    expect(other.body).toEqual({ detail: 'Not found.' });
  });
});

describe('reference genome and joint-called VCF are real files', () => {
  it('every project file downloads with the sha256 the API reports', async () => {
    const project = await api(sb, 'GET', `/api/v2/projects/${sb.projects.default}`);
    for (const f of project.body.files) {
      const got = await download(f.download_url);
      expect(got.status).toBe(200);
      expect(got.body.length).toBe(f.size);
      expect(sha(got.body)).toBe(f.checksum_sha256);
      const sum = await api(sb, 'GET', `/api/v2/files/${f.id}.sha256`);
      expect(sum.text.split(' ')[0]).toBe(f.checksum_sha256);
    }
    const byType = Object.fromEntries(
      project.body.files.map((f: { file_type: string }) => [f.file_type, f]),
    );
    const name = (url: string) =>
      decodeURIComponent(new URL(url).searchParams.get('response-content-disposition') ?? '');
    expect(name(byType['genome-fasta'].download_url)).toBe(
      `attachment; filename=${sb.projects.default}_genome-fasta.fasta.gz`,
    );
    expect(name(byType['genome-fasta_fai'].download_url)).toBe(
      `attachment; filename=${sb.projects.default}_genome-fasta_fai.fasta.gz.fai`,
    );
    const fasta = gunzipSync((await download(byType['genome-fasta'].download_url)).body).toString();
    expect(fasta).toMatch(/^>chr1\n[ACGT]{60}\n/);
    const vcf = gunzipSync(
      (await download(byType['jointcalled-vcf'].download_url)).body,
    ).toString();
    const header = vcf.split('\n').find((l) => l.startsWith('#CHROM'))!;
    expect(header.split('\t').slice(9)).toEqual([
      'SEED-A01',
      'SEED-A02-FAILQC',
      'SEED-A03-FAIL',
      'SEED-A04',
    ]);
  });

  it('a new project on the same capability lists the reference genome under its own names', async () => {
    const list = await api(sb, 'GET', '/api/v2/projects/');
    const created = await api(sb, 'POST', '/api/v2/projects/', {
      name: 'reference check',
      pipeline_capabilities: list.body.results[0].pipeline_capabilities,
    });
    expect(created.status).toBe(201);
    const detail = await api(sb, 'GET', `/api/v2/projects/${created.body.id}`);
    const fasta = detail.body.files.find(
      (f: { file_type: string }) => f.file_type === 'genome-fasta',
    );
    expect(decodeURIComponent(fasta.download_url)).toContain(
      `${created.body.id}_genome-fasta.fasta.gz`,
    );
    const types = await api(
      sb,
      'GET',
      `/api/v2/file-types/?project_id=${created.body.id}&object=reference_genome`,
    );
    expect(types.body.meta.count).toBe(10);
  });
});

describe('sample-sheet status as the official client spells it', () => {
  it('accepts status=SampleAssignmentStatus.ALL / .UNASSIGNED / .ASSIGNED (run-prefix quirk)', async () => {
    await uploadAndAssign(sb, sb.projects.empty, 'quirk-assigned', {
      'Q1_R1.fastq.gz': Buffer.from('@r\nA\n+\nI\n'),
    });
    await api(sb, 'POST', '/api/v2/uploads-post-data/', {
      destination_path: 'gncv://quirk-open/Q2_R1.fastq.gz',
    });
    const query = (status: string) =>
      api(
        sb,
        'GET',
        `/api/v2/sample-sheet/?search=gncv%3A%2F%2Fquirk-&status=${status}&sort_by=created&sort_order=desc&offset=0&limit=200`,
      );
    const ids = (res: { body: { results: Array<{ client_id: string }> } }) =>
      res.body.results.map((r) => r.client_id).sort();
    const all = await query('SampleAssignmentStatus.ALL');
    expect(all.status).toBe(200);
    expect(ids(all)).toEqual(['Q1', 'Q2']);
    expect(ids(await query('SampleAssignmentStatus.UNASSIGNED'))).toEqual(['Q2']);
    expect(ids(await query('SampleAssignmentStatus.ASSIGNED'))).toEqual(['Q1']);
    // anything else is still refused
    const bad = await query('SampleAssignmentStatus.SOMETIMES');
    expect(bad.status).toBe(400);
    expect(bad.body.status[0]).toMatch(/valid choice/);
  });
});

describe('multipart bodies reach their handler', () => {
  it('a multipart POST is not parsed as JSON (no "JSON parse error")', async () => {
    const form = new FormData();
    form.append(
      'sample_manifest',
      new Blob(['Plate ID,Well,Unique sample identifier\n,A1,client-1\n']),
      'manifest.csv',
    );
    const res = await fetch(`${sb.url}/api/v2/project-sample-manifests/${sb.projects.default}`, {
      method: 'POST',
      headers: { authorization: `Api-Key ${sb.apiKey}` },
      body: form,
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({});
  });

  it('a malformed JSON body still answers the DRF parse error; an unknown path 404 whatever the body', async () => {
    const bad = await fetch(`${sb.url}/api/v2/project-batches/${sb.projects.default}`, {
      method: 'POST',
      headers: { authorization: `Api-Key ${sb.apiKey}`, 'content-type': 'application/json' },
      body: '{nope',
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { detail: string }).detail).toMatch(/^JSON parse error/);
    const missing = await fetch(`${sb.url}/api/v2/no-such-endpoint/`, {
      method: 'POST',
      headers: { authorization: `Api-Key ${sb.apiKey}`, 'content-type': 'application/json' },
      body: '{nope',
    });
    expect(missing.status).toBe(404);
  });
});
