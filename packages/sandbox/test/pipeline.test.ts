import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANUAL_STEP_MS, type Sandbox, startSandbox } from '../src/index.js';
import { adminS3, api, download, fastq, uploadAndAssign } from './helpers.js';

let sb: Sandbox;
let fileServer: http.Server;
let fileServerUrl: string;
const served = fastq(50, 'url');

beforeAll(async () => {
  sb = await startSandbox({ pipeline: 'manual' });
  fileServer = http.createServer((req, res) => {
    if (req.url?.startsWith('/reads/')) {
      res.writeHead(200, { 'Content-Length': String(served.length) });
      res.end(served);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => fileServer.listen(0, '127.0.0.1', r));
  fileServerUrl = `http://127.0.0.1:${(fileServer.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await sb?.close();
  fileServer.closeAllConnections();
  await new Promise((r) => fileServer.close(r));
});

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const status = async (id: string) => (await api(sb, 'GET', `/api/v2/samples/${id}`)).body;

describe('pipeline (manual clock)', () => {
  it('created → running → succeeded / failed qc / failed by the client_id markers', async () => {
    const r1 = fastq(20, 'r1');
    const r2 = fastq(20, 'r2');
    const samples = await uploadAndAssign(sb, sb.projects.default, 'pipe-1', {
      'OK1_R1.fastq.gz': r1,
      'OK1_R2.fastq.gz': r2,
      'BADFAILQC_R1.fastq.gz': r1,
      'BROKEN-FAIL_R1.fastq.gz': r1,
    });
    const ids = [samples.OK1!, samples.BADFAILQC!, samples['BROKEN-FAIL']!];
    for (const id of ids) expect((await status(id)).last_status.status).toBe('created');
    await sb.control.advance(MANUAL_STEP_MS);
    for (const id of ids) expect((await status(id)).last_status.status).toBe('running');
    const running = await api(
      sb,
      'GET',
      `/api/v2/project-samples/${sb.projects.default}?status=running`,
    );
    expect(running.body.results.map((s: { id: string }) => s.id).sort()).toEqual([...ids].sort());
    await sb.control.advance(MANUAL_STEP_MS);

    const ok = await status(samples.OK1!);
    expect(ok.last_status.status).toBe('succeeded');
    expect(ok.failed_qc).toBeNull();
    const types = ok.files.map((f: { file_type: string }) => f.file_type).sort();
    expect(types).toEqual([
      'alignment-bai',
      'alignment-bam',
      'ancestry-json',
      'fastq-r1',
      'fastq-r2',
      'impute-tbi',
      'impute-vcf',
    ]);
    for (const file of ok.files) {
      const got = await download(file.download_url);
      expect(got.status).toBe(200);
      expect(got.body.length).toBe(file.size);
      if (file.checksum_sha256) expect(sha(got.body)).toBe(file.checksum_sha256);
      if (file.file_type === 'fastq-r1') {
        expect(got.body.equals(r1)).toBe(true);
        expect(file.checksum_sha256).toBe('');
      }
      if (file.file_type === 'impute-vcf') {
        expect(gunzipSync(got.body).toString()).toMatch(/^##fileformat=VCFv4\.2/);
      }
    }
    const qc = await api(
      sb,
      'GET',
      `/api/v2/sample-quality-controls/${samples.OK1}?offset=0&limit=200`,
    );
    expect(
      qc.body.results.every(
        (r: { quality_control: { status: string } }) => r.quality_control.status === 'pass',
      ),
    ).toBe(true);

    const fq = await status(samples.BADFAILQC!);
    expect(fq.last_status.status).toBe('failed qc');
    expect(fq.failed_qc).toEqual(['format']);
    expect(fq.files.length).toBeGreaterThan(0);
    const fqQc = await api(sb, 'GET', `/api/v2/sample-quality-controls/${samples.BADFAILQC}`);
    const format = fqQc.body.results.find(
      (r: { quality_control_type: { key: string } }) => r.quality_control_type.key === 'format',
    );
    expect(format.quality_control.status).toBe('failed');

    const failed = await status(samples['BROKEN-FAIL']!);
    expect(failed.last_status.status).toBe('failed');
    expect(failed.last_status.note).not.toBe('');
    expect(failed.files).toEqual([]);

    const completed = await api(
      sb,
      'GET',
      `/api/v2/project-samples/${sb.projects.default}?status=completed&search=pipe`,
    );
    expect(completed.body.meta.count).toBe(0); // search covers id / client_id / metadata, not paths
    const byClient = await api(
      sb,
      'GET',
      `/api/v2/project-samples/${sb.projects.default}?status=completed&search=ok1`,
    );
    expect(byClient.body.results.map((s: { id: string }) => s.id)).toEqual([samples.OK1]);

    const perProject = await api(
      sb,
      'GET',
      `/api/v2/file-types/?project_id=${sb.projects.default}`,
    );
    const keys = perProject.body.results.map((r: { key: string }) => r.key);
    expect(keys).toContain('fastq-r1');
    expect(keys.slice(-2)).toEqual(['qc', 'metadata']);
  });

  it('URL imports are fetched from loopback hosts when the sample runs', async () => {
    const reg = await api(sb, 'POST', '/api/v2/uploads-url/', {
      destination_path: 'gncv://pipe-url/URL1_R1.fastq.gz',
      source_url: `${fileServerUrl}/reads/URL1_R1.fastq.gz`,
    });
    expect(reg.status).toBe(201);
    const remote = await api(sb, 'POST', '/api/v2/uploads-url/', {
      destination_path: 'gncv://pipe-url/URL2_R1.fastq.gz',
      source_url: 'https://storage.example.net/seq/URL2_R1.fastq.gz?X-Amz-Signature=secret',
    });
    const missing = await api(sb, 'POST', '/api/v2/uploads-url/', {
      destination_path: 'gncv://pipe-url/URL3_R1.fastq.gz',
      source_url: `${fileServerUrl}/nothing/URL3_R1.fastq.gz?X-Amz-Signature=secret`,
    });
    expect(remote.status).toBe(201);
    expect(missing.status).toBe(201);
    const sheet = await api(sb, 'GET', '/api/v2/sample-sheet/?search=pipe-url&status=unassigned');
    expect(sheet.body.results[0].fastq.r1.source_url).toBeDefined();
    const assigned = await api(sb, 'POST', `/api/v2/project-samples/${sb.projects.default}`, {
      uploads: sheet.body.results,
      metadata: null,
    });
    const ids = Object.fromEntries(
      assigned.body.uploads.map((u: { client_id: string; sample: string }) => [
        u.client_id,
        u.sample,
      ]),
    );
    await sb.control.advance(2 * MANUAL_STEP_MS);

    const ok = await status(ids.URL1);
    expect(ok.last_status.status).toBe('succeeded');
    const copy = ok.files.find((f: { file_type: string }) => f.file_type === 'fastq-r1');
    expect((await download(copy.download_url)).body.equals(served)).toBe(true);

    const far = await status(ids.URL2);
    expect(far.last_status.status).toBe('failed');
    expect(far.last_status.note).toBe(
      'could not fetch source URL: host not reachable from the sandbox',
    );

    const gone = await status(ids.URL3);
    expect(gone.last_status.status).toBe('failed');
    expect(gone.last_status.note).toMatch(/HTTP 404/);
    expect(gone.last_status.note).not.toMatch(/Signature|secret/);
  });

  it('an expired presigned S3 URL as import source fails the sample with a note naming the reason', async () => {
    // the user's own bucket: an object presigned by the SDK an hour ago with a 60 s lifetime
    const { GetObjectCommand, PutObjectCommand } = await import('@aws-sdk/client-s3');
    const { getSignedUrl } = await import('@aws-sdk/s3-request-presigner');
    const s3 = await adminS3(sb);
    const Bucket = sb.control.buckets.uploads;
    await s3.send(
      new PutObjectCommand({ Bucket, Key: 'external/EXP1_R1.fastq.gz', Body: fastq(2) }),
    );
    const signed = await getSignedUrl(
      s3,
      new GetObjectCommand({ Bucket, Key: 'external/EXP1_R1.fastq.gz' }),
      {
        expiresIn: 60,
        signingDate: new Date(Date.now() - 3600_000),
      },
    );
    s3.destroy();
    expect((await download(signed)).status).toBe(403);
    const reg = await api(sb, 'POST', '/api/v2/uploads-url/', {
      destination_path: 'gncv://pipe-expired/EXP1_R1.fastq.gz',
      source_url: signed,
    });
    expect(reg.status).toBe(201);
    const sheet = await api(
      sb,
      'GET',
      '/api/v2/sample-sheet/?search=pipe-expired&status=unassigned',
    );
    const assigned = await api(sb, 'POST', `/api/v2/project-samples/${sb.projects.default}`, {
      uploads: sheet.body.results,
      metadata: null,
    });
    await sb.control.advance(2 * MANUAL_STEP_MS);
    const failed = await status(assigned.body.uploads[0].sample);
    expect(failed.last_status.status).toBe('failed');
    expect(failed.last_status.note).toMatch(/HTTP 403/);
    expect(failed.last_status.note).toMatch(/expired/i);
    expect(failed.last_status.note).not.toMatch(/X-Amz|[0-9a-f]{64}/);
  });

  it('a local upload that never received bytes fails with a note', async () => {
    await api(sb, 'POST', '/api/v2/uploads-post-data/', {
      destination_path: 'gncv://pipe-nobytes/NB_R1.fastq.gz',
    });
    const sheet = await api(
      sb,
      'GET',
      '/api/v2/sample-sheet/?search=pipe-nobytes&status=unassigned',
    );
    const assigned = await api(sb, 'POST', `/api/v2/project-samples/${sb.projects.default}`, {
      uploads: sheet.body.results,
      metadata: null,
    });
    await sb.control.advance(2 * MANUAL_STEP_MS);
    const failed = await status(assigned.body.uploads[0].sample);
    expect(failed.last_status.status).toBe('failed');
    expect(failed.last_status.note).toMatch(/never uploaded/);
  });

  it('setSampleStatus forces a status and generates deliverables for succeeded', async () => {
    const samples = await uploadAndAssign(sb, sb.projects.default, 'pipe-force', {
      'FORCE1_R1.fastq.gz': fastq(3),
    });
    await sb.control.setSampleStatus(samples.FORCE1!, 'running');
    await sb.control.advance(10 * MANUAL_STEP_MS);
    expect((await status(samples.FORCE1!)).last_status.status).toBe('running');
    await sb.control.setSampleStatus(samples.FORCE1!, 'succeeded');
    const done = await status(samples.FORCE1!);
    expect(done.last_status.status).toBe('succeeded');
    expect(done.files.length).toBeGreaterThan(0);
    expect(sb.control.getSample(samples.FORCE1!)?.last_status.status).toBe('succeeded');
  });
});

describe('pipeline modes', () => {
  it("'instant' finishes samples during the assign request", async () => {
    const fast = await startSandbox({ pipeline: 'instant' });
    try {
      const samples = await uploadAndAssign(fast, fast.projects.empty, 'inst', {
        'I1_R1.fastq.gz': fastq(2),
      });
      const res = await api(fast, 'GET', `/api/v2/samples/${samples.I1}`);
      expect(res.body.last_status.status).toBe('succeeded');
      expect(res.body.files.length).toBeGreaterThan(0);
    } finally {
      await fast.close();
    }
  });

  it('{ stepMs } progresses on real time', async () => {
    const timed = await startSandbox({ pipeline: { stepMs: 40 } });
    try {
      const samples = await uploadAndAssign(timed, timed.projects.empty, 'timed', {
        'T1_R1.fastq.gz': fastq(2),
      });
      let last = '';
      for (let i = 0; i < 200 && last !== 'succeeded'; i++) {
        await new Promise((r) => setTimeout(r, 25));
        last = (await api(timed, 'GET', `/api/v2/samples/${samples.T1}`)).body.last_status.status;
      }
      expect(last).toBe('succeeded');
    } finally {
      await timed.close();
    }
  });
});
