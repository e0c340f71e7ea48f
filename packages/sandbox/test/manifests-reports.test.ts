import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../src/index.js';
import { api, download } from './helpers.js';

// sample manifests (multipart upload, list, get) and the CSV reports

let sb: Sandbox;

beforeAll(async () => {
  sb = await startSandbox({ pipeline: 'manual' });
});
afterAll(async () => {
  await sb?.close();
});

const MANIFEST = 'Plate ID,Well,Unique sample identifier,Buffer\n,A1,client-id,\n,B1,,\n';

/** The multipart body the official client (python-requests) sends, byte for byte in shape. */
function requestsMultipart(field: string, filename: string, content: string) {
  const boundary = '07e2346617c217685c567beab9fcc5df';
  const body = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\n\r\n${content}\r\n--${boundary}--\r\n`,
  );
  return { body, type: `multipart/form-data; boundary=${boundary}` };
}

async function postManifest(projectId: string, field: string, filename: string, content: string) {
  const { body, type } = requestsMultipart(field, filename, content);
  const res = await fetch(`${sb.url}/api/v2/project-sample-manifests/${projectId}`, {
    method: 'POST',
    headers: {
      authorization: `Api-Key ${sb.apiKey}`,
      'content-type': type,
      'Gencove-cli-version': '4.2.1',
    },
    body,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

describe('sample manifests', () => {
  it('upload (201 {} as production), list (plain array), get, download', async () => {
    const created = await postManifest(
      sb.projects.empty,
      'sample_manifest',
      'tmp406jgn7j.csv',
      MANIFEST,
    );
    expect(created).toEqual({ status: 201, body: {} });
    const list = await api(sb, 'GET', `/api/v2/project-sample-manifests/${sb.projects.empty}`);
    expect(list.status).toBe(200);
    expect(Array.isArray(list.body)).toBe(true);
    expect(list.body).toHaveLength(1);
    const m = list.body[0];
    expect(m).toMatchObject({ file_name: 'tmp406jgn7j.csv', project: sb.projects.empty });
    expect(Object.keys(m).sort()).toEqual(['created', 'file', 'file_name', 'id', 'project']);
    expect(m.file).toMatchObject({ file_type: 'sample_manifest-csv', size: MANIFEST.length });
    const got = await download(m.file.download_url);
    expect(got.body.toString()).toBe(MANIFEST);
    const one = await api(sb, 'GET', `/api/v2/sample-manifests/${m.id}`);
    // the same manifest (download URLs are signed afresh on every answer)
    const { download_url: _a, ...file } = m.file;
    expect(one.body).toMatchObject({ ...m, file });

    await postManifest(sb.projects.empty, 'sample_manifest', 'second.xlsx', 'PK fake xlsx');
    const two = await api(sb, 'GET', `/api/v2/project-sample-manifests/${sb.projects.empty}`);
    expect(two.body.map((x: { file_name: string }) => x.file_name)).toEqual([
      'second.xlsx',
      'tmp406jgn7j.csv',
    ]);
    expect(two.body[0].file.file_type).toBe('sample_manifest-xlsx');
  });

  it('refusals: foreign project (bare list), wrong field, wrong type, JSON body (415)', async () => {
    const foreign = await postManifest(sb.projects.other, 'sample_manifest', 'm.csv', MANIFEST);
    expect(foreign).toEqual({
      status: 400,
      body: ['Project does not exist or you do not have privileges to access it.'],
    });
    const noFile = await postManifest(sb.projects.empty, 'other_field', 'm.csv', MANIFEST);
    expect(noFile).toEqual({ status: 400, body: { sample_manifest: ['No file was submitted.'] } });
    const txt = await postManifest(sb.projects.empty, 'sample_manifest', 'm.txt', MANIFEST);
    expect(txt.status).toBe(400);
    expect(Object.keys(txt.body)).toEqual(['sample_manifest']);
    const json = await api(sb, 'POST', `/api/v2/project-sample-manifests/${sb.projects.empty}`, {
      sample_manifest: 'x',
    });
    expect(json.status).toBe(415);
    expect(json.body.detail).toMatch(/Unsupported media type "application\/json"/);
    expect(
      (await api(sb, 'GET', `/api/v2/project-sample-manifests/${sb.projects.other}`)).status,
    ).toBe(404);
    expect(
      (await api(sb, 'GET', '/api/v2/sample-manifests/00000000-0000-4000-8000-000000000000'))
        .status,
    ).toBe(404);
  });
});

describe('project QC report', () => {
  it('CSV (text/csv, attachment) with production columns, one row per sample', async () => {
    const res = await fetch(`${sb.url}/api/v2/project-qc-report/${sb.projects.default}`, {
      headers: { authorization: `Api-Key ${sb.apiKey}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv');
    expect(res.headers.get('content-disposition')).toBe(
      'attachment; filename="project-qc-report.csv"',
    );
    const rows = parse(await res.text(), { columns: true }) as Array<Record<string, string>>;
    expect(Object.keys(rows[0]!)).toEqual([
      'id',
      'client_id',
      'project_id',
      'year',
      'month',
      'day',
      'status',
      'sex_string',
      'snps_min',
      'bases_dedup_mapped_min',
      'call_rate_min',
      'effective_coverage_min',
      'raw_coverage',
    ]);
    expect(rows.map((r) => [r.client_id, r.status])).toEqual([
      ['SEED-A01', 'succeeded'],
      ['SEED-A02-FAILQC', 'failed qc'],
      ['SEED-A03-FAIL', 'failed'],
      ['SEED-A04', 'succeeded'],
    ]);
    expect(Number(rows[0]!.effective_coverage_min)).toBeGreaterThan(0);
    expect(rows[2]!.effective_coverage_min).toBe(''); // failed: no QC
  });

  it('?columns= selects and orders columns; an unknown one → 400 with the valid list', async () => {
    const res = await api(
      sb,
      'GET',
      `/api/v2/project-qc-report/${sb.projects.default}?columns=client_id%2Cid`,
    );
    expect(res.text.split('\r\n')[0] ?? res.text.split('\n')[0]).toMatch(/^client_id,id/);
    const bad = await api(
      sb,
      'GET',
      `/api/v2/project-qc-report/${sb.projects.default}?columns=id%2Cinvalid_column`,
    );
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual([
      "Column(s) ['invalid_column'] are invalid. Acceptable column names include the following: ['id', 'client_id', 'project_id', 'year', 'month', 'day', 'status', 'sex_string', 'snps_min', 'bases_dedup_mapped_min', 'call_rate_min', 'effective_coverage_min', 'raw_coverage', 'ancestries']",
    ]);
    expect((await api(sb, 'GET', `/api/v2/project-qc-report/${sb.projects.other}`)).status).toBe(
      404,
    );
  });
});

describe('monthly usage report', () => {
  it('the last 12 months by default; from/to as YYYY-MM; counts finished samples per month', async () => {
    const res = await fetch(`${sb.url}/api/v2/organization-monthly-usage-report/`, {
      headers: { authorization: `Api-Key ${sb.apiKey}` },
    });
    expect(res.headers.get('content-type')).toBe('text/csv');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="report.csv"');
    const rows = parse(await res.text(), { columns: true }) as Array<Record<string, string>>;
    expect(rows).toHaveLength(12);
    expect(Object.keys(rows[0]!)).toEqual(['year', 'month', 'succeeded_samples', 'failed_samples']);
    const total = (k: string) => rows.reduce((n, r) => n + Number(r[k]), 0);
    expect(total('succeeded_samples')).toBe(2); // SEED-A01, SEED-A04
    expect(total('failed_samples')).toBe(2); // failed qc + failed

    const range = await api(
      sb,
      'GET',
      '/api/v2/organization-monthly-usage-report/?from=2021-09&to=2021-10',
    );
    expect(range.text.trim().split(/\r?\n/)).toEqual([
      'year,month,succeeded_samples,failed_samples',
      '2021,9,0,0',
      '2021,10,0,0',
    ]);
  });

  it('only one of from / to → 400 {"error"} (production wording); a bad month → 400', async () => {
    const half = await api(sb, 'GET', '/api/v2/organization-monthly-usage-report/?from=2023-01');
    expect(half.status).toBe(400);
    expect(half.body).toEqual({
      error: "Must provide both 'from' and 'to' query parameters, or neither.",
    });
    const bad = await api(
      sb,
      'GET',
      '/api/v2/organization-monthly-usage-report/?from=2023-13&to=2024-01',
    );
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body)).toEqual(['error']);
  });
});
