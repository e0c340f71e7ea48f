import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../src/index.js';
import { api, download, fastq, uploadAndAssign } from './helpers.js';

let sb: Sandbox;
let files: {
  file_type: string;
  download_url: string;
  checksum_sha256: string;
  size: number;
  id: string;
}[];

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const fresh = async (sampleId: string) =>
  (await api(sb, 'GET', `/api/v2/samples/${sampleId}`)).body.files as typeof files;
let sampleId: string;

beforeAll(async () => {
  sb = await startSandbox({ pipeline: 'instant' });
  const ids = await uploadAndAssign(sb, sb.projects.default, 'dl', {
    'DL1_R1.fastq.gz': fastq(400, 'dl'),
  });
  sampleId = ids.DL1!;
  files = await fresh(sampleId);
});
afterAll(async () => {
  await sb?.close();
});

const byType = (type: string) => files.find((f) => f.file_type === type)!;

describe('presigned downloads through the S3 proxy', () => {
  it('full GET: 200, Content-Length, Accept-Ranges, Content-Disposition, real sha256', async () => {
    const vcf = byType('impute-vcf');
    const res = await download(vcf.download_url);
    expect(res.status).toBe(200);
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('content-length')).toBe(String(vcf.size));
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename=${sampleId}.impute.vcf.gz`,
    );
    expect(sha(res.body)).toBe(vcf.checksum_sha256);
  });

  it('Range requests: 206 with Content-Range; ranges reassemble the object', async () => {
    const fq = byType('fastq-r1');
    const whole = (await download(fq.download_url)).body;
    const mid = Math.floor(whole.length / 2);
    const a = await download(fq.download_url, { Range: `bytes=0-${mid - 1}` });
    const b = await download(fq.download_url, { Range: `bytes=${mid}-${whole.length - 1}` });
    expect(a.status).toBe(206);
    expect(a.headers.get('content-range')).toBe(`bytes 0-${mid - 1}/${whole.length}`);
    expect(a.headers.get('content-length')).toBe(String(mid));
    expect(b.status).toBe(206);
    expect(Buffer.concat([a.body, b.body]).equals(whole)).toBe(true);
    // the size probe: one byte, as S3 answers it (s3rver alone would send the whole object)
    const first = await download(fq.download_url, { Range: 'bytes=0-0' });
    expect(first.status).toBe(206);
    expect(first.headers.get('content-range')).toBe(`bytes 0-0/${whole.length}`);
    expect(first.body.equals(whole.subarray(0, 1))).toBe(true);
  });

  it('tampered signature → 403 SignatureDoesNotMatch; no credentials → 403', async () => {
    const url = new URL(byType('impute-vcf').download_url);
    url.searchParams.set('X-Amz-Expires', '999999');
    const res = await download(url.toString());
    expect(res.status).toBe(403);
    expect(res.body.toString()).toContain('<Code>SignatureDoesNotMatch</Code>');
    const bare = await download(`${url.origin}${url.pathname}`);
    expect(bare.status).toBe(403);
    expect(bare.body.toString()).toContain('<Code>AccessDenied</Code>');
  });

  it('expired URLs → 403 AccessDenied "Request has expired"; fresh URLs from the API work', async () => {
    const before = byType('impute-vcf').download_url;
    sb.control.expireDownloadUrls();
    const res = await download(before);
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toBe('application/xml');
    expect(res.body.toString()).toContain('<Code>AccessDenied</Code>');
    expect(res.body.toString()).toContain('<Message>Request has expired</Message>');
    files = await fresh(sampleId);
    expect((await download(byType('impute-vcf').download_url)).status).toBe(200);
  });

  it('downloadUrlTtlSeconds bounds the URL lifetime', async () => {
    const short = await startSandbox({ pipeline: 'manual', downloadUrlTtlSeconds: 1 });
    try {
      const list = await api(
        short,
        'GET',
        `/api/v2/project-samples/${short.projects.default}?search=SEED-A01`,
      );
      const detail = await api(short, 'GET', `/api/v2/samples/${list.body.results[0].id}`);
      const url = detail.body.files[0].download_url as string;
      expect(new URL(url).searchParams.get('X-Amz-Expires')).toBe('1');
      await new Promise((r) => setTimeout(r, 2100));
      const res = await download(url);
      expect(res.status).toBe(403);
      expect(res.body.toString()).toContain('Request has expired');
    } finally {
      await short.close();
    }
  });

  it('hostile filenames mode puts a path traversal into response-content-disposition', async () => {
    sb.control.setHostileFilenames(true);
    try {
      const url = new URL((await fresh(sampleId))[0]!.download_url);
      const disposition = url.searchParams.get('response-content-disposition')!;
      expect(disposition).toMatch(/^attachment; filename=\.\.\/\.\.\//);
      const res = await download(url.toString());
      expect(res.status).toBe(200);
      expect(res.headers.get('content-disposition')).toBe(disposition);
    } finally {
      sb.control.setHostileFilenames(false);
    }
  });

  it('corrupt mode flips one byte (same length, different sha256), also in ranges', async () => {
    const fq = byType('fastq-r1');
    const clean = (
      await download((await fresh(sampleId)).find((f) => f.file_type === 'fastq-r1')!.download_url)
    ).body;
    sb.control.corruptDownloads(true);
    try {
      const url = (await fresh(sampleId)).find((f) => f.file_type === 'fastq-r1')!.download_url;
      const bad = (await download(url)).body;
      expect(bad.length).toBe(clean.length);
      expect(bad.equals(clean)).toBe(false);
      const diff = [...bad].findIndex((b, i) => b !== clean[i]);
      expect(diff).toBe(Math.floor(clean.length / 2));
      const tail = await download(url, { Range: `bytes=${diff}-` });
      expect(tail.body[0]).toBe(bad[diff]);
    } finally {
      sb.control.corruptDownloads(false);
    }
    expect(fq.size).toBe(clean.length);
  });

  it('truncate mode sends half the body then closes the connection', async () => {
    sb.control.truncateDownloads(true);
    try {
      const url = (await fresh(sampleId)).find((f) => f.file_type === 'fastq-r1')!.download_url;
      const res = await fetch(url);
      expect(res.status).toBe(200);
      const declared = Number(res.headers.get('content-length'));
      let received = 0;
      const error = await (async () => {
        try {
          for await (const chunk of res.body!) received += (chunk as Uint8Array).length;
        } catch (err) {
          return err;
        }
        return undefined;
      })();
      expect(error).toBeDefined();
      expect(received).toBe(Math.floor(declared / 2));
    } finally {
      sb.control.truncateDownloads(false);
    }
  });

  it('the .sha256 endpoint refuses files without a checksum (FASTQ copies) with 400 detail', async () => {
    const fq = (await fresh(sampleId)).find((f) => f.file_type === 'fastq-r1')!;
    expect(fq.checksum_sha256).toBe('');
    const res = await api(sb, 'GET', `/api/v2/files/${fq.id}.sha256?filename=x.fastq.gz`);
    expect(res.status).toBe(400);
    expect(Object.keys(res.body)).toEqual(['detail']);
  });
});
