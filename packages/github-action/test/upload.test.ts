import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type Sandbox, startSandbox } from '@gencove/sandbox';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { shardOf } from '../src/shared/shard.js';
import { sandboxEnv, sandboxInputs, withIssuedSecrets } from './helpers.js';
import { maskedValues, maskingViolations, type RunResult, runActionBundle } from './runner.js';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ pipeline: 'instant' });
});
afterAll(() => sandbox?.close());
beforeEach(() => {
  sandbox.control.clearFaults();
  sandbox.control.clearRequests();
});

function fastq(name: string, reads = 20): Buffer {
  const records = Array.from(
    { length: reads },
    (_, i) => `@${name}:${i}\nACGTACGTAC\n+\nIIIIIIIIII\n`,
  );
  return gzipSync(records.join(''));
}

/** A workspace with the given files (relative path → content). */
async function workspace(files: Record<string, Buffer | string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'gh-workspace-'));
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
  return root;
}

interface UploadOutput {
  client_id: string;
  read?: string;
  destination_path: string;
  upload_id: string;
  status: string;
  source: string;
  size: number;
}

const uploadsOf = (result: RunResult) =>
  JSON.parse(result.outputs.uploads ?? '[]') as UploadOutput[];

async function storedBytes(uploadId: string): Promise<Buffer | undefined> {
  const upload = sandbox.control.getUpload(uploadId);
  if (!upload) return undefined;
  return sandbox.control.s3Object(upload.bucket, upload.key);
}

describe('upload action (bundle run as the runner runs it)', () => {
  it('uploads a directory, assigns it, and feeds the wait action', async () => {
    const files = {
      'reads/PLT1-A01_S1_L001_R1_001.fastq.gz': fastq('a1r1'),
      'reads/PLT1-A01_S1_L001_R2_001.fastq.gz': fastq('a1r2'),
      'reads/plate2/PLT2-B07_R1.fastq.gz': fastq('b7r1'),
      'reads/plate2/PLT2-B07_R2.fastq.gz': fastq('b7r2'),
      'reads/notes.txt': 'not a fastq',
    };
    const cwd = await workspace(files);
    const { result, issued } = await withIssuedSecrets(sandbox, () =>
      runActionBundle('upload', {
        cwd,
        env: sandboxEnv(sandbox),
        inputs: {
          ...sandboxInputs(sandbox),
          path: 'reads',
          destination: 'gncv://gh-action/dir-run',
          'project-id': sandbox.projects.default,
          metadata: '{"run":"2026-11-24"}',
        },
      }),
    );
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.outputs.destination).toBe('gncv://gh-action/dir-run/');
    const uploads = uploadsOf(result);
    expect(
      uploads.map((u) => [u.destination_path, u.client_id, u.read, u.status, u.source]),
    ).toEqual([
      [
        'gncv://gh-action/dir-run/PLT1-A01_S1_L001_R1_001.fastq.gz',
        'PLT1-A01',
        'R1',
        'uploaded',
        'reads/PLT1-A01_S1_L001_R1_001.fastq.gz',
      ],
      [
        'gncv://gh-action/dir-run/PLT1-A01_S1_L001_R2_001.fastq.gz',
        'PLT1-A01',
        'R2',
        'uploaded',
        'reads/PLT1-A01_S1_L001_R2_001.fastq.gz',
      ],
      [
        'gncv://gh-action/dir-run/plate2/PLT2-B07_R1.fastq.gz',
        'PLT2-B07',
        'R1',
        'uploaded',
        'reads/plate2/PLT2-B07_R1.fastq.gz',
      ],
      [
        'gncv://gh-action/dir-run/plate2/PLT2-B07_R2.fastq.gz',
        'PLT2-B07',
        'R2',
        'uploaded',
        'reads/plate2/PLT2-B07_R2.fastq.gz',
      ],
    ]);
    expect(result.outputs['upload-ids']).toBe(uploads.map((u) => u.upload_id).join(','));
    for (const upload of uploads) {
      expect(await storedBytes(upload.upload_id)).toEqual(
        files[`${upload.source}` as keyof typeof files],
      );
    }
    const samples = JSON.parse(result.outputs.samples!) as Array<{
      client_id: string;
      sample: string;
    }>;
    expect(samples.map((s) => s.client_id).sort()).toEqual(['PLT1-A01', 'PLT2-B07']);
    expect(result.outputs['sample-ids']!.split(',').sort()).toEqual(
      samples.map((s) => s.sample).sort(),
    );
    for (const sample of samples)
      expect(sandbox.control.getSample(sample.sample)?.metadata).toEqual({ run: '2026-11-24' });

    expect(result.summary).toContain('<h3>Gencove upload</h3>');
    expect(result.summary).toContain(
      '<code>gncv://gh-action/dir-run/plate2/PLT2-B07_R2.fastq.gz</code>',
    );
    expect(result.summary).toContain('<td>PLT2-B07</td>');
    expect(result.stdout).toContain('::group::Uploading 4 file(s)');

    // Every secret the action saw (API key, S3 session credentials) was masked before use.
    expect(maskingViolations(result, sandbox.apiKey)).toEqual([]);
    const masked = maskedValues(result);
    expect(masked.length).toBeGreaterThanOrEqual(4);
    for (const value of masked) expect(maskingViolations(result, value)).toEqual([]);
    // the upload credentials the sandbox issued (S3 secret key, session token): masked, never shown
    expect(issued.length).toBeGreaterThanOrEqual(2);
    for (const secret of issued) expect(maskingViolations(result, secret)).toEqual([]);

    const waited = await runActionBundle('wait', {
      inputs: {
        ...sandboxInputs(sandbox),
        'project-id': sandbox.projects.default,
        'sample-ids': result.outputs.samples!,
      },
    });
    expect(waited.exitCode).toBe(0);
    expect(waited.outputs['succeeded-ids']!.split(',').sort()).toEqual(
      samples.map((s) => s.sample).sort(),
    );

    // A re-run into the same destination sends nothing again.
    const again = await runActionBundle('upload', {
      cwd,
      env: sandboxEnv(sandbox),
      inputs: { ...sandboxInputs(sandbox), path: 'reads', destination: 'gncv://gh-action/dir-run' },
    });
    expect(again.exitCode).toBe(0);
    expect(uploadsOf(again).map((u) => u.status)).toEqual(Array(4).fill('already-uploaded'));
  });

  it('uploads glob matches relative to the patterns root, honouring exclusions', async () => {
    const cwd = await workspace({
      'runs/r1/S1_R1.fastq.gz': fastq('s1r1'),
      'runs/r1/S1_R2.fastq.gz': fastq('s1r2'),
      'runs/r2/S2_R1.fq.gz': fastq('s2r1'),
      'runs/r2/S2_R2.fq.gz': fastq('s2r2'),
      'runs/r2/skip/S3_R1.fastq.gz': fastq('s3r1'),
      'other/S9_R1.fastq.gz': fastq('s9r1'),
    });
    const result = await runActionBundle('upload', {
      cwd,
      env: sandboxEnv(sandbox),
      inputs: {
        ...sandboxInputs(sandbox),
        path: 'runs/**/*.fastq.gz\nruns/**/*.fq.gz\n!runs/r2/skip',
        destination: 'gncv://gh-action/globbed',
      },
    });
    expect(result.exitCode).toBe(0);
    expect(uploadsOf(result).map((u) => u.destination_path)).toEqual([
      'gncv://gh-action/globbed/r1/S1_R1.fastq.gz',
      'gncv://gh-action/globbed/r1/S1_R2.fastq.gz',
      'gncv://gh-action/globbed/r2/S2_R1.fq.gz',
      'gncv://gh-action/globbed/r2/S2_R2.fq.gz',
    ]);
    expect(result.outputs.samples).toBeUndefined();
  });

  it('pairs only the glob matches: R1-only patterns warn that each sample will be single-end', async () => {
    const cwd = await workspace({
      'runs/P1_R1.fastq.gz': fastq('p1r1'),
      'runs/P1_R2.fastq.gz': fastq('p1r2'),
      'runs/P2_R1.fastq.gz': fastq('p2r1'),
      'runs/P2_R2.fastq.gz': fastq('p2r2'),
      'runs/SampleSheet_R1.csv': 'not a fastq',
      'runs/EMPTY_R1.fastq.gz': '',
    });
    const result = await runActionBundle('upload', {
      cwd,
      env: sandboxEnv(sandbox),
      inputs: {
        ...sandboxInputs(sandbox),
        path: 'runs/P*_R1.*',
        destination: 'gncv://gh-action/r1-only',
        'dry-run': 'true',
      },
    });
    expect(result.exitCode).toBe(0);
    expect(uploadsOf(result).map((u) => u.destination_path)).toEqual([
      'gncv://gh-action/r1-only/P1_R1.fastq.gz',
      'gncv://gh-action/r1-only/P2_R1.fastq.gz',
    ]);
    // the R2 files next to them are not uploaded, and the empty file was not matched
    expect(result.warnings).toEqual([
      '[title=Gencove: unpaired] P1_R1.fastq.gz has no R2: sample P1 will be single-end.',
      '[title=Gencove: unpaired] P2_R1.fastq.gz has no R2: sample P2 will be single-end.',
    ]);
    expect(result.errors).toEqual([]);
    const csvOnly = await runActionBundle('upload', {
      cwd,
      env: sandboxEnv(sandbox),
      inputs: { ...sandboxInputs(sandbox), path: 'runs/*.csv', 'if-no-files-found': 'warn' },
    });
    expect(csvOnly.exitCode).toBe(0);
    expect(csvOnly.warnings).toEqual([
      expect.stringMatching(/^No FASTQ files found among the 1 given file\(s\) in runs /),
    ]);
    expect(sandbox.control.requests).toEqual([]);
  });

  it('splits a batch over matrix shards: every file once, no sample split', async () => {
    const files: Record<string, Buffer> = {};
    for (let i = 1; i <= 12; i++) {
      files[`batch/SMP${i}_R1.fastq.gz`] = fastq(`smp${i}r1`, 2);
      files[`batch/SMP${i}_R2.fastq.gz`] = fastq(`smp${i}r2`, 2);
    }
    const cwd = await workspace(files);
    const shards: UploadOutput[][] = [];
    for (let index = 1; index <= 3; index++) {
      const result = await runActionBundle('upload', {
        cwd,
        env: sandboxEnv(sandbox),
        inputs: {
          ...sandboxInputs(sandbox),
          path: 'batch',
          destination: 'gncv://gh-action/sharded',
          shard: `${index}/3`,
        },
      });
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toContain(`Shard ${index}/3:`);
      shards.push(uploadsOf(result));
    }
    const all = shards.flat();
    expect(all.map((u) => u.source).sort()).toEqual(Object.keys(files).sort());
    expect(new Set(all.map((u) => u.upload_id)).size).toBe(24);
    shards.forEach((shard, i) => {
      for (const upload of shard) expect(shardOf(upload.client_id, 3)).toBe(i + 1);
    });
  });

  it('if-no-files-found: error fails, warn warns, ignore stays quiet; nothing is sent', async () => {
    const cwd = await workspace({ 'empty/readme.txt': 'no reads here' });
    const run = (mode: string) =>
      runActionBundle('upload', {
        cwd,
        env: sandboxEnv(sandbox),
        inputs: { ...sandboxInputs(sandbox), path: 'empty', 'if-no-files-found': mode },
      });
    const error = await run('error');
    expect(error.exitCode).toBe(1);
    expect(error.errors).toEqual([
      expect.stringMatching(
        /^Input "path": No FASTQ files found in empty \(.*\)\. \(if-no-files-found: error\)$/,
      ),
    ]);
    const warn = await run('warn');
    expect(warn.exitCode).toBe(0);
    expect(warn.warnings).toEqual([expect.stringMatching(/^No FASTQ files found/)]);
    expect(warn.outputs.uploads).toBe('[]');
    const ignore = await run('ignore');
    expect(ignore.exitCode).toBe(0);
    expect(ignore.warnings).toEqual([]);
    const missing = await runActionBundle('upload', {
      cwd,
      env: sandboxEnv(sandbox),
      inputs: { ...sandboxInputs(sandbox), path: 'not/there' },
    });
    expect(missing.exitCode).toBe(1);
    expect(missing.errors[0]).toContain('not/there does not exist');
    expect(sandbox.control.requests).toEqual([]);
  });

  it('dry-run plans and reports without any request', async () => {
    const cwd = await workspace({
      'r/D1_R1.fastq.gz': fastq('d1'),
      'r/D1_R2.fastq.gz': fastq('d2'),
    });
    const result = await runActionBundle('upload', {
      cwd,
      env: sandboxEnv(sandbox),
      inputs: {
        ...sandboxInputs(sandbox),
        path: 'r',
        destination: 'gncv://gh-action/dry',
        'dry-run': 'true',
      },
    });
    expect(result.exitCode).toBe(0);
    expect(uploadsOf(result).map((u) => [u.destination_path, u.status, u.upload_id])).toEqual([
      ['gncv://gh-action/dry/D1_R1.fastq.gz', 'planned', ''],
      ['gncv://gh-action/dry/D1_R2.fastq.gz', 'planned', ''],
    ]);
    expect(result.summary).toContain('dry run: nothing sent');
    expect(sandbox.control.requests).toEqual([]);
  });

  it('refuses files the server could not pair, annotating each file, before any request', async () => {
    const cwd = await workspace({
      'bad/GOOD_R1.fastq.gz': fastq('g1'),
      'bad/GOOD_R2.fastq.gz': fastq('g2'),
      'bad/NOREAD.fastq.gz': fastq('n'),
      'bad/EMPTY_R1.fastq.gz': '',
    });
    const result = await runActionBundle('upload', {
      cwd,
      env: sandboxEnv(sandbox),
      inputs: { ...sandboxInputs(sandbox), path: 'bad' },
    });
    expect(result.exitCode).toBe(1);
    const annotations = result.errors.slice(0, -1);
    expect(annotations).toHaveLength(2);
    expect(
      annotations.some((e) =>
        e.startsWith(
          '[file=bad/NOREAD.fastq.gz,title=Gencove: cannot upload (no-read-token)] NOREAD.fastq.gz: no _R1 or _R2 token',
        ),
      ),
    ).toBe(true);
    expect(
      annotations.some((e) =>
        e.startsWith(
          '[file=bad/EMPTY_R1.fastq.gz,title=Gencove: cannot upload (empty-file)] EMPTY_R1.fastq.gz is empty.',
        ),
      ),
    ).toBe(true);
    expect(result.errors.at(-1)).toMatch(/^The upload was not started: 2 problems/);
    expect(sandbox.control.requests).toEqual([]);
  });

  it('points at the map-file line that is wrong', async () => {
    const cwd = await workspace({
      'reads/M1_R1.fastq.gz': fastq('m1'),
      'samples.fastq-map.csv':
        'client_id,r_notation,path\nM1,R1,reads/M1_R1.fastq.gz\nM_2,R3,reads/M1_R1.fastq.gz\n',
    });
    const result = await runActionBundle('upload', {
      cwd,
      env: sandboxEnv(sandbox),
      inputs: { ...sandboxInputs(sandbox), path: 'samples.fastq-map.csv' },
    });
    expect(result.exitCode).toBe(1);
    expect(result.errors[0]).toMatch(
      /^\[file=samples\.fastq-map\.csv,line=3,title=Gencove: map file rejected\] client_id "M_2"/,
    );
    expect(sandbox.control.requests).toEqual([]);
  });

  it('retries S3 server errors and still succeeds', async () => {
    const cwd = await workspace({
      'f/F1_R1.fastq.gz': fastq('f1'),
      'f/F1_R2.fastq.gz': fastq('f2'),
    });
    sandbox.control.addFault({
      match: { target: 's3', method: 'PUT' },
      times: 2,
      fault: { type: 'status', status: 503 },
    });
    const result = await runActionBundle('upload', {
      cwd,
      env: sandboxEnv(sandbox),
      inputs: { ...sandboxInputs(sandbox), path: 'f', destination: 'gncv://gh-action/retried' },
    });
    expect(result.exitCode).toBe(0);
    for (const upload of uploadsOf(result))
      expect(await storedBytes(upload.upload_id)).toBeDefined();
    expect(
      sandbox.control.requests.filter((r) => r.target === 's3' && r.status === 503),
    ).toHaveLength(2);
  });
});
