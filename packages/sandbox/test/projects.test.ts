import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../src/index.js';
import { api, UUID_RE } from './helpers.js';

let sb: Sandbox;

beforeAll(async () => {
  sb = await startSandbox({ pipeline: 'manual' });
});
afterAll(async () => {
  await sb?.close();
});

describe('projects', () => {
  it('lists the visible projects of the organization (not the other org)', async () => {
    const res = await api(sb, 'GET', '/api/v2/projects/?offset=0&limit=200');
    expect(res.status).toBe(200);
    expect(res.body.meta).toEqual({ count: 2, next: null, previous: null });
    const ids = res.body.results.map((p: { id: string }) => p.id);
    expect(ids).toContain(sb.projects.default);
    expect(ids).toContain(sb.projects.empty);
    expect(ids).not.toContain(sb.projects.other);
    const project = res.body.results.find((p: { id: string }) => p.id === sb.projects.default);
    for (const key of [
      'name',
      'description',
      'created',
      'modified',
      'hidden',
      'organization',
      'organization_name',
      'sample_count',
      'hidden_sample_count',
      'pipeline_capabilities',
      'roles',
      'webhook_url',
    ]) {
      expect(project).toHaveProperty(key);
    }
  });

  it('GET /projects/{id} includes files[]; both slash forms work', async () => {
    for (const path of [
      `/api/v2/projects/${sb.projects.default}`,
      `/api/v2/projects/${sb.projects.default}/`,
    ]) {
      const res = await api(sb, 'GET', path);
      expect(res.status).toBe(200);
      expect(res.body.id).toBe(sb.projects.default);
      // the merged VCF, the joint-called VCF and its index, the capability's reference genome
      const types = res.body.files.map((f: { file_type: string }) => f.file_type).sort();
      expect(types).toEqual([
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
        'impute-vcf-merged',
        'jointcalled-vcf',
        'jointcalled-vcf_indexed',
      ]);
      for (const f of res.body.files) expect(f.checksum_sha256).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it('another organization project and unknown ids → 404 detail', async () => {
    for (const id of [sb.projects.other, '00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      const res = await api(sb, 'GET', `/api/v2/projects/${id}`);
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ detail: 'Not found.' });
    }
  });

  it('creates projects (201) and paginates more than 200 with absolute next', async () => {
    const bad = await api(sb, 'POST', '/api/v2/projects/', {});
    expect(bad.status).toBe(400);
    expect(bad.body.name).toEqual(['This field is required.']);
    const list = await api(sb, 'GET', '/api/v2/projects/');
    const capability = list.body.results[0].pipeline_capabilities;
    for (let i = 0; i < 205; i++) {
      const res = await api(sb, 'POST', '/api/v2/projects/', {
        name: `p${i}`,
        pipeline_capabilities: capability,
      });
      expect(res.status).toBe(201);
      expect(res.body.id).toMatch(UUID_RE);
    }
    const page1 = await api(
      sb,
      'GET',
      '/api/v2/projects/?hidden_status=visible&offset=0&limit=200',
    );
    expect(page1.body.meta.count).toBe(207);
    expect(page1.body.results).toHaveLength(200);
    const next = new URL(page1.body.meta.next);
    expect(next.origin).toBe(sb.url);
    expect(next.pathname).toBe('/api/v2/projects/');
    expect(next.searchParams.get('offset')).toBe('200');
    expect(next.searchParams.get('limit')).toBe('200');
    expect(next.searchParams.get('hidden_status')).toBe('visible');
    const page2 = await api(sb, 'GET', page1.body.meta.next);
    expect(page2.body.results).toHaveLength(7);
    expect(page2.body.meta.next).toBeNull();
    expect(new URL(page2.body.meta.previous).searchParams.has('offset')).toBe(false);
  });

  it('hide / unhide projects and hidden_status filter', async () => {
    const hide = await api(sb, 'POST', '/api/v2/projects-hide/', {
      project_ids: [sb.projects.empty],
    });
    expect(hide.status).toBe(204);
    expect(hide.text).toBe('');
    const hidden = await api(sb, 'GET', '/api/v2/projects/?hidden_status=hidden');
    expect(hidden.body.results.map((p: { id: string }) => p.id)).toEqual([sb.projects.empty]);
    await api(sb, 'POST', '/api/v2/projects-unhide/', { project_ids: [sb.projects.empty] });
    const none = await api(sb, 'GET', '/api/v2/projects/?hidden_status=hidden');
    expect(none.body.meta.count).toBe(0);
    const invalid = await api(sb, 'GET', '/api/v2/projects/?hidden_status=bogus');
    expect(invalid.status).toBe(400);
    expect(invalid.body.hidden_status[0]).toMatch(/valid choice/);
  });

  it('pipeline capabilities lookups', async () => {
    const list = await api(sb, 'GET', '/api/v2/projects/');
    const capability = list.body.results[0].pipeline_capabilities;
    const one = await api(sb, 'GET', `/api/v2/pipeline-capabilities/${capability}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: capability });
    const search = await api(sb, 'GET', `/api/v2/pipeline-capabilities/?search=${capability}`);
    expect(search.body.results).toHaveLength(1);
  });

  it('unknown paths → 404 JSON, wrong methods → 405 JSON', async () => {
    const missing = await api(sb, 'GET', '/api/v2/nothing-here/');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ detail: 'Not found.' });
    const wrong = await api(sb, 'PATCH', '/api/v2/projects/');
    expect(wrong.status).toBe(405);
    expect(wrong.body.detail).toMatch(/PATCH/);
    const badJson = await fetch(`${sb.url}/api/v2/projects/`, {
      method: 'POST',
      headers: { authorization: `Api-Key ${sb.apiKey}`, 'content-type': 'application/json' },
      body: '{nope',
    });
    expect(badJson.status).toBe(400);
    expect(((await badJson.json()) as { detail: string }).detail).toMatch(/JSON parse error/);
  });
});
