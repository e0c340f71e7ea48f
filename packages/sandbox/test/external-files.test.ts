import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../src/index.js';
import { api, fastq, type Json, UUID_RE, uploadAndAssign } from './helpers.js';

// Deliverables served from a server of the user's own (here: a tiny one on 127.0.0.1), attached
// to samples with control.addExternalFiles and handed out by the API as their download_url.

let sb: Sandbox;
let projectId: string;
let fileServer: http.Server;
let origin: string;
const bam = Buffer.alloc(300_000, 7);
const cram = Buffer.from('CRAM bytes served by the lab\n');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

const detail = async (sampleId: string) =>
  (await api(sb, 'GET', `/api/v2/samples/${sampleId}`)).body;
const fileOf = (d: Json, type: string) => d.files.filter((f: Json) => f.file_type === type);

beforeAll(async () => {
  fileServer = http.createServer((req, res) => {
    const body = req.url?.startsWith('/files/big.bam') ? bam : cram;
    res.writeHead(200, { 'content-length': body.length });
    res.end(body);
  });
  await new Promise<void>((resolve) => fileServer.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(fileServer.address() as AddressInfo).port}`;
  sb = await startSandbox({ pipeline: 'manual' });
  projectId = (await api(sb, 'POST', '/api/v2/projects/', { name: 'external files' })).body.id;
});
afterAll(async () => {
  await sb?.close();
  await new Promise((resolve) => fileServer?.close(resolve));
});

describe('control.addExternalFiles', () => {
  it('a finished sample answers the attached files in the §7.2 shape with download_url = the URL', async () => {
    const { EXT1: sampleId } = await uploadAndAssign(sb, projectId, 'ext1', {
      'EXT1_R1.fastq.gz': fastq(20, 'e'),
    });
    await sb.control.advance(2_000);
    const before = await detail(sampleId!);
    expect(before.last_status.status).toBe('succeeded');
    const syntheticBam = fileOf(before, 'alignment-bam')[0];
    const bamUrl = `${origin}/files/big.bam?response-content-disposition=${encodeURIComponent('attachment; filename=EXT1.bam')}`;

    const snapshot = sb.control.addExternalFiles(sampleId!, [
      { fileType: 'alignment-bam', size: bam.length, sha256: sha(bam).toUpperCase(), url: bamUrl },
      { fileType: 'alignment-cram', size: cram.length, url: `${origin}/files/x.cram` },
    ]);
    expect(snapshot.files.find((f) => f.file_type === 'alignment-bam')).toMatchObject({
      url: bamUrl,
      size: bam.length,
      checksum_sha256: sha(bam),
      filename: 'big.bam',
      bucket: sb.control.buckets.results,
      key: `deliverables/${sampleId}/big.bam`,
    });

    const after = await detail(sampleId!);
    expect(after.modified > before.modified).toBe(true);
    const [ext] = fileOf(after, 'alignment-bam');
    expect(fileOf(after, 'alignment-bam')).toHaveLength(1); // the synthetic BAM is replaced
    expect(Object.keys(ext).sort()).toEqual(
      [
        'checksum_sha256',
        'download_url',
        'file_type',
        'id',
        's3_path',
        'shadow_mode',
        'size',
      ].sort(),
    );
    expect(ext).toEqual({
      id: expect.stringMatching(UUID_RE),
      s3_path: `s3://${sb.control.buckets.results}/deliverables/${sampleId}/big.bam`,
      size: bam.length,
      download_url: bamUrl,
      file_type: 'alignment-bam',
      checksum_sha256: sha(bam),
      shadow_mode: false,
    });
    const [extCram] = fileOf(after, 'alignment-cram');
    expect(extCram.download_url).toBe(`${origin}/files/x.cram`);
    expect(extCram.checksum_sha256).toBe('');
    // the other deliverables are still the sandbox's own, presigned on its S3 endpoint
    expect(fileOf(after, 'impute-vcf')[0].download_url.startsWith(`${sb.s3Url}/`)).toBe(true);

    // what a client does with it: fetch download_url, compare with checksum_sha256
    const got = Buffer.from(await (await fetch(ext.download_url)).arrayBuffer());
    expect(sha(got)).toBe(ext.checksum_sha256);

    // checksum endpoint and per-project file types follow
    const sidecar = await api(sb, 'GET', `/api/v2/files/${ext.id}.sha256?filename=EXT1.bam`);
    expect(sidecar.text).toBe(`${sha(bam)} *EXT1.bam\n`);
    const gone = await api(sb, 'GET', `/api/v2/files/${syntheticBam.id}.sha256`);
    expect(gone.status).toBe(404);
    const types = await api(sb, 'GET', `/api/v2/file-types/?project_id=${projectId}`);
    expect(types.body.results.map((r: Json) => r.key)).toContain('alignment-cram');
  });

  it('download_url is null while archived and back once restored; hostile-filename mode leaves it alone', async () => {
    const { EXT2: sampleId } = await uploadAndAssign(sb, projectId, 'ext2', {
      'EXT2_R1.fastq.gz': fastq(20, 'f'),
    });
    await sb.control.advance(2_000);
    const url = `${origin}/files/big.bam`;
    sb.control.addExternalFiles(sampleId!, [{ fileType: 'alignment-bam', size: bam.length, url }]);
    sb.control.archiveSamples([sampleId!]);
    expect(fileOf(await detail(sampleId!), 'alignment-bam')[0].download_url).toBeNull();
    const restore = await api(sb, 'POST', `/api/v2/project-restore-samples/${projectId}`, {
      sample_ids: [sampleId],
    });
    expect(restore.status).toBe(202);
    await sb.control.completeRestores();
    expect(fileOf(await detail(sampleId!), 'alignment-bam')[0].download_url).toBe(url);
    sb.control.setHostileFilenames(true);
    try {
      expect(fileOf(await detail(sampleId!), 'alignment-bam')[0].download_url).toBe(url);
    } finally {
      sb.control.setHostileFilenames(false);
    }
  });

  it('files attached before the sample finishes are kept by the pipeline; the rest is generated', async () => {
    const { EXT3: sampleId } = await uploadAndAssign(sb, projectId, 'ext3', {
      'EXT3_R1.fastq.gz': fastq(20, 'g'),
    });
    const url = `${origin}/files/big.bam`;
    sb.control.addExternalFiles(sampleId!, [
      { fileType: 'alignment-bam', size: bam.length, sha256: sha(bam), url },
    ]);
    expect((await detail(sampleId!)).last_status.status).toBe('created'); // status untouched
    await sb.control.advance(2_000);
    const done = await detail(sampleId!);
    expect(done.last_status.status).toBe('succeeded');
    expect(fileOf(done, 'alignment-bam')).toEqual([
      expect.objectContaining({ download_url: url, checksum_sha256: sha(bam) }),
    ]);
    expect(fileOf(done, 'impute-vcf')).toHaveLength(1);
    expect(fileOf(done, 'fastq-r1')).toHaveLength(1);

    // forcing a status also generates only what is missing
    const { EXT4: forced } = await uploadAndAssign(sb, projectId, 'ext4', {
      'EXT4_R1.fastq.gz': fastq(20, 'h'),
    });
    sb.control.addExternalFiles(forced!, [{ fileType: 'alignment-bam', size: 1, url }]);
    await sb.control.setSampleStatus(forced!, 'succeeded');
    const f = await detail(forced!);
    expect(fileOf(f, 'alignment-bam')[0].download_url).toBe(url);
    expect(fileOf(f, 'impute-vcf')).toHaveLength(1);
  });

  it('rejects bad entries without changing anything', async () => {
    const { EXT5: sampleId } = await uploadAndAssign(sb, projectId, 'ext5', {
      'EXT5_R1.fastq.gz': fastq(20, 'i'),
    });
    await sb.control.advance(2_000);
    const before = sb.control.getSample(sampleId!);
    const ok = { fileType: 'alignment-bam', size: 10, url: `${origin}/a.bam` };
    const cases: Array<[unknown, RegExp]> = [
      [[{ ...ok, url: 'http://example.org/a.bam' }], /loopback/],
      [[{ ...ok, url: 'ftp://127.0.0.1/a.bam' }], /http or https/],
      [[{ ...ok, url: 'not a url' }], /not a URL/],
      [[{ ...ok, sha256: 'abc' }], /64 hex/],
      [[{ ...ok, size: -1 }], /whole number/],
      [[{ ...ok, size: 1.5 }], /whole number/],
      [[{ ...ok, fileType: 'qc' }], /built by clients/],
      [[{ ...ok, fileType: '../x' }], /deliverable key/],
      [[ok, { ...ok, fileType: 'alignment-cram', url: 'http://10.0.0.1/x' }], /files\[1\]\.url/],
      [[ok, ok], /only once/],
      [[], /non-empty/],
    ];
    for (const [files, message] of cases) {
      expect(() => sb.control.addExternalFiles(sampleId!, files as never)).toThrow(message);
    }
    expect(sb.control.getSample(sampleId!)).toEqual(before);
    expect(() => sb.control.addExternalFiles('00000000-0000-4000-8000-000000000000', [ok])).toThrow(
      /unknown sample/,
    );
  });

  it('over HTTP: POST /_sandbox/samples/{id}/external-files', async () => {
    const { EXT6: sampleId } = await uploadAndAssign(sb, projectId, 'ext6', {
      'EXT6_R1.fastq.gz': fastq(20, 'j'),
    });
    await sb.control.advance(2_000);
    const url = `${origin}/files/big.bam`;
    const path = `/_sandbox/samples/${sampleId}/external-files`;
    const res = await api(
      sb,
      'POST',
      path,
      { files: [{ fileType: 'alignment-bam', size: bam.length, sha256: sha(bam), url }] },
      null,
    );
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(sampleId);
    expect(res.body.files.find((f: Json) => f.file_type === 'alignment-bam').url).toBe(url);
    expect(fileOf(await detail(sampleId!), 'alignment-bam')[0].download_url).toBe(url);

    const bad = await api(sb, 'POST', path, { files: [{ fileType: 'alignment-bam' }] }, null);
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toMatch(/files\[0\]\.size/);
    const unknown = await api(
      sb,
      'POST',
      '/_sandbox/samples/00000000-0000-4000-8000-000000000000/external-files',
      { files: [] },
      null,
    );
    expect(unknown.status).toBe(404);
  });
});
