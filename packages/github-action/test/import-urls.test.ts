import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type Sandbox, startSandbox } from '@gencove/sandbox';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { shardOf } from '../src/shared/shard.js';
import { sandboxInputs } from './helpers.js';
import { maskingViolations, type RunResult, runActionBundle } from './runner.js';

let sandbox: Sandbox;
let files: http.Server;
let origin: string;

beforeAll(async () => {
  sandbox = await startSandbox({ pipeline: 'instant' });
  // Stands in for a bucket serving presigned URLs; only 127.0.0.1.
  files = http.createServer((req, res) => {
    const name = new URL(req.url ?? '/', 'http://x').pathname;
    const body = gzipSync(`@${name}\nACGT\n+\nIIII\n`);
    res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': body.length });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await sandbox?.close();
  await new Promise((resolve) => files?.close(resolve));
});
beforeEach(() => sandbox.control.clearRequests());

/** A SigV4-style presigned URL with a distinctive signature. */
function presigned(
  path: string,
  signature: string,
  options: { signedAt?: Date; expiresSeconds?: number } = {},
): string {
  const date = (options.signedAt ?? new Date())
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+/, '');
  const query = new URLSearchParams({
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Credential': `AKIAEXAMPLEKEY123456/${date.slice(0, 8)}/us-east-1/s3/aws4_request`,
    'X-Amz-Date': date,
    'X-Amz-Expires': String(options.expiresSeconds ?? 604_800),
    'X-Amz-SignedHeaders': 'host',
    'X-Amz-Signature': signature,
  });
  return `${origin}/bucket/${path}?${query}`;
}

const signature = (n: number) => `${'5ec2e7'.repeat(10)}${String(n).padStart(4, '0')}`;

async function mapFile(
  rows: Array<[string, string, string]>,
): Promise<{ cwd: string; name: string }> {
  const cwd = await mkdtemp(join(tmpdir(), 'gh-import-'));
  const text = ['client_id,r_notation,path', ...rows.map((r) => r.join(','))].join('\n');
  await writeFile(join(cwd, 'batch.fastq-map.csv'), `${text}\n`);
  return { cwd, name: 'batch.fastq-map.csv' };
}

const uploadsOf = (result: RunResult) =>
  JSON.parse(result.outputs.uploads ?? '[]') as Array<{
    client_id: string;
    read: string;
    upload_id: string;
    source: string;
    destination_path: string;
  }>;

describe('import-urls action (bundle run as the runner runs it)', () => {
  it('registers presigned URLs, assigns them, masks every signature', async () => {
    const { cwd, name } = await mapFile([
      ['URL-S1', 'R1', presigned('S1_R1.fastq.gz', signature(1))],
      ['URL-S1', 'R2', presigned('S1_R2.fastq.gz', signature(2))],
      ['URL-S2', 'R1', presigned('S2_R1.fastq.gz', signature(3))],
    ]);
    const result = await runActionBundle('import-urls', {
      cwd,
      inputs: {
        ...sandboxInputs(sandbox),
        'map-file': name,
        destination: 'gncv://gh-action/imported',
        'project-id': sandbox.projects.default,
        metadata: '{"source":"bucket"}',
      },
    });
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.outputs.destination).toBe('gncv://gh-action/imported/');
    const uploads = uploadsOf(result);
    expect(uploads.map((u) => [u.client_id, u.read, u.destination_path, u.source])).toEqual([
      [
        'URL-S1',
        'R1',
        'gncv://gh-action/imported/URL-S1_R1.fastq.gz',
        `${origin}/bucket/S1_R1.fastq.gz`,
      ],
      [
        'URL-S1',
        'R2',
        'gncv://gh-action/imported/URL-S1_R2.fastq.gz',
        `${origin}/bucket/S1_R2.fastq.gz`,
      ],
      [
        'URL-S2',
        'R1',
        'gncv://gh-action/imported/URL-S2_R1.fastq.gz',
        `${origin}/bucket/S2_R1.fastq.gz`,
      ],
    ]);
    expect(result.outputs['upload-ids']).toBe(uploads.map((u) => u.upload_id).join(','));
    const samples = JSON.parse(result.outputs.samples!) as Array<{
      client_id: string;
      sample: string;
    }>;
    expect(samples.map((s) => s.client_id).sort()).toEqual(['URL-S1', 'URL-S2']);
    expect(result.summary).toContain('<h3>Gencove import-urls</h3>');
    expect(result.summary).toContain('<td>URL-S2</td>');

    for (const secret of [sandbox.apiKey, signature(1), signature(2), signature(3)]) {
      expect(maskingViolations(result, secret)).toEqual([]);
    }

    // The sandbox fetched the URLs when the analysis ran.
    const waited = await runActionBundle('wait', {
      inputs: {
        ...sandboxInputs(sandbox),
        'project-id': sandbox.projects.default,
        'sample-ids': result.outputs['sample-ids']!,
      },
    });
    expect(waited.exitCode).toBe(0);
  });

  it('warns on a URL that expires within the margin, pointing at its line; strict-expiry refuses', async () => {
    const soon = presigned('E1_R1.fastq.gz', signature(9), {
      signedAt: new Date(Date.now() - 3_600_000),
      expiresSeconds: 2 * 3600,
    });
    const { cwd, name } = await mapFile([
      ['EXP-OK', 'R1', presigned('OK_R1.fastq.gz', signature(8))],
      ['EXP-SOON', 'R1', soon],
    ]);
    const lenient = await runActionBundle('import-urls', {
      cwd,
      inputs: { ...sandboxInputs(sandbox), 'map-file': name },
    });
    expect(lenient.exitCode).toBe(0);
    expect(lenient.warnings).toEqual([
      expect.stringMatching(/^\[file=batch\.fastq-map\.csv,line=3,title=Gencove: expires-soon\] /),
    ]);
    expect(uploadsOf(lenient)).toHaveLength(2);
    expect(lenient.outputs.samples).toBeUndefined();

    sandbox.control.clearRequests();
    const strict = await runActionBundle('import-urls', {
      cwd,
      inputs: { ...sandboxInputs(sandbox), 'map-file': name, 'strict-expiry': 'true' },
    });
    expect(strict.exitCode).toBe(1);
    expect(strict.errors[0]).toMatch(
      /^\[file=batch\.fastq-map\.csv,line=3,title=Gencove: map file rejected\] /,
    );
    expect(sandbox.control.requests).toEqual([]);
    expect(maskingViolations(strict, signature(9))).toEqual([]);
  });

  it('splits the samples of a map over shards, keeping R1 and R2 together', async () => {
    const rows: Array<[string, string, string]> = [];
    for (let i = 1; i <= 8; i++) {
      rows.push([`SH${i}`, 'R1', presigned(`SH${i}_R1.fastq.gz`, signature(100 + i))]);
      rows.push([`SH${i}`, 'R2', presigned(`SH${i}_R2.fastq.gz`, signature(200 + i))]);
    }
    const { cwd, name } = await mapFile(rows);
    const seen: string[] = [];
    for (const index of [1, 2]) {
      const result = await runActionBundle('import-urls', {
        cwd,
        inputs: {
          ...sandboxInputs(sandbox),
          'map-file': name,
          shard: `${index}/2`,
          destination: 'gncv://gh-action/shard-import',
        },
      });
      expect(result.exitCode).toBe(0);
      for (const upload of uploadsOf(result)) {
        expect(shardOf(upload.client_id, 2)).toBe(index);
        seen.push(`${upload.client_id}_${upload.read}`);
      }
    }
    expect(seen.sort()).toEqual(rows.map(([c, r]) => `${c}_${r}`).sort());
  });

  it('refuses a map of local files and metadata without a project, naming the input', async () => {
    const { cwd, name } = await mapFile([['L1', 'R1', 'reads/L1_R1.fastq.gz']]);
    await mkdir(join(cwd, 'reads'));
    await writeFile(join(cwd, 'reads/L1_R1.fastq.gz'), gzipSync('@r\nA\n+\nI\n'));
    const local = await runActionBundle('import-urls', {
      cwd,
      inputs: { ...sandboxInputs(sandbox), 'map-file': name },
    });
    expect(local.exitCode).toBe(1);
    expect(local.errors).toEqual([
      'Input "map-file": batch.fastq-map.csv lists local files, not URLs: use the upload action for it.',
    ]);
    const noProject = await runActionBundle('import-urls', {
      cwd,
      inputs: { ...sandboxInputs(sandbox), 'map-file': name, metadata: '{}' },
    });
    expect(noProject.errors).toEqual([
      'Input "metadata": needs project-id: metadata is applied to the samples the assignment creates.',
    ]);
    expect(sandbox.control.requests).toEqual([]);
  });
});
