import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type Sandbox, startSandbox } from '@gencove/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, sandboxEnv } from './helpers/run-cli.js';
import {
  createLabBucket,
  fastqBytes,
  type LabBucket,
  labEnv,
  NO_AWS_CONFIG,
} from './import-fixtures.js';

let sandbox: Sandbox;
let lab: LabBucket;

beforeAll(async () => {
  sandbox = await startSandbox({ pipeline: 'manual' });
  lab = await createLabBucket(sandbox);
  for (const key of [
    'run-7/PLT4-A03_S1_L001_R1_001.fastq.gz',
    'run-7/PLT4-A03_S1_L001_R2_001.fastq.gz',
    'run-7/PLT4-B07_S2_L001_R1_001.fastq.gz',
    'run-7/Reports/summary.html',
    'run-7/Undetermined_S0_L001_R1_001.fastq.gz',
    'lanes/S9_L001_R1_001.fastq.gz',
    'lanes/S9_L002_R1_001.fastq.gz',
  ]) {
    await lab.put(key);
  }
});

afterAll(async () => {
  await lab?.close();
  await sandbox?.close();
});

const mapFile = (args: string[], env = labEnv(sandbox)) =>
  runCli(['map-file', ...args, '--endpoint-url', sandbox.s3Url], { env, cwd: lab.dir });

describe('gencove map-file', () => {
  it('writes a presigned URL map (mode 0600) that imports and runs', async () => {
    const result = await mapFile([
      's3://lab-runs/run-7/',
      '--presign',
      '--expires-in',
      '3d',
      '--output',
      'run-7.fastq-map.csv',
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('WARNING: skipped run-7/Undetermined_S0_L001_R1_001.fastq.gz');
    expect(result.stderr).toMatch(
      /Wrote 3 reads of 2 samples \(5 objects listed\) to run-7.fastq-map.csv; the URLs expire at 20\d\d-/,
    );

    const path = join(lab.dir, 'run-7.fastq-map.csv');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const lines = (await readFile(path, 'utf8')).trim().split('\n');
    expect(lines[0]).toBe('client_id,r_notation,path');
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 2).join(','))).toEqual([
      'PLT4-A03,R1',
      'PLT4-A03,R2',
      'PLT4-B07,R1',
    ]);
    const url = new URL(lines[1]!.split(',')[2]!);
    expect(url.searchParams.get('X-Amz-Expires')).toBe(String(3 * 24 * 3600));
    const response = await fetch(url);
    expect(Buffer.from(await response.arrayBuffer())).toEqual(
      fastqBytes('run-7/PLT4-A03_S1_L001_R1_001.fastq.gz'),
    );

    const upload = await runCli(
      [
        'upload',
        'run-7.fastq-map.csv',
        '--run-project-id',
        sandbox.projects.default,
        '--output',
        '-',
      ],
      { env: labEnv(sandbox), cwd: lab.dir },
    );
    expect(upload.code).toBe(0);
    const samples = JSON.parse(upload.stdout) as Array<{ client_id: string; sample: string }>;
    expect(samples.map((s) => s.client_id).sort()).toEqual(['PLT4-A03', 'PLT4-B07']);
    await sandbox.control.advance(5_000);
    for (const s of samples)
      expect(sandbox.control.getSample(s.sample)!.last_status.status).toBe('succeeded');
  });

  it('writes to stdout by default; without --presign the URLs are plain and it says so', async () => {
    const result = await mapFile(['s3://lab-runs/run-7']);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')[1]).toBe(
      `PLT4-A03,R1,${sandbox.s3Url}/lab-runs/run-7/PLT4-A03_S1_L001_R1_001.fastq.gz`,
    );
    expect(result.stderr).toContain('WARNING: the URLs are not signed');
  });

  it('--json prints a summary without signatures; the map file goes to --output', async () => {
    const result = await mapFile([
      's3://lab-runs/run-7/',
      '--presign',
      '--output',
      'run-7-json.fastq-map.csv',
      '--json',
    ]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const summary = JSON.parse(result.stdout) as {
      output: string;
      presigned: boolean;
      listed: number;
      samples: number;
      rows: Array<{ clientId: string; read: string; url: string }>;
      skipped: Array<{ key: string }>;
      expiresAt: string;
      warnings: string[];
    };
    expect(summary).toMatchObject({
      output: 'run-7-json.fastq-map.csv',
      presigned: true,
      listed: 5,
      samples: 2,
    });
    expect(summary.rows).toEqual([
      {
        clientId: 'PLT4-A03',
        read: 'R1',
        url: `${sandbox.s3Url}/lab-runs/run-7/PLT4-A03_S1_L001_R1_001.fastq.gz`,
      },
      {
        clientId: 'PLT4-A03',
        read: 'R2',
        url: `${sandbox.s3Url}/lab-runs/run-7/PLT4-A03_S1_L001_R2_001.fastq.gz`,
      },
      {
        clientId: 'PLT4-B07',
        read: 'R1',
        url: `${sandbox.s3Url}/lab-runs/run-7/PLT4-B07_S2_L001_R1_001.fastq.gz`,
      },
    ]);
    expect(summary.skipped.map((s) => s.key)).toEqual([
      'run-7/Undetermined_S0_L001_R1_001.fastq.gz',
    ]);
    expect(Date.parse(summary.expiresAt)).toBeGreaterThan(Date.now());
    expect(summary.warnings).toEqual([expect.stringMatching(/^skipped run-7\/Undetermined/)]);
    expect(result.stdout).not.toMatch(/X-Amz-(Signature|Credential)/);
    const written = await readFile(join(lab.dir, 'run-7-json.fastq-map.csv'), 'utf8');
    expect(written.match(/X-Amz-Signature=/g)).toHaveLength(3);

    const toStdout = await mapFile(['s3://lab-runs/run-7/', '--presign', '--json']);
    expect(toStdout.code).toBe(2);
    expect(toStdout.stdout).toBe('');
    expect(JSON.parse(toStdout.stderr)).toMatchObject({
      error: { code: 'ERR_GENCOVE_INPUT', exitCode: 2 },
    });
  });

  it('refuses several lanes for one read with exit 2', async () => {
    const result = await mapFile(['s3://lab-runs/lanes/', '--presign']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/S9 R1: 2 files .*merge lanes first/);
  });

  it.each([
    [['https://lab-runs.s3.amazonaws.com/run-7/'], /not an S3 location/],
    [['s3://lab-runs/run-7/', '--presign', '--expires-in', '8d'], /between 1s and 7d/],
    [['s3://lab-runs/run-7/', '--expires-in', '1d'], /only applies with --presign/],
  ])('rejects %j with exit 2', async (args, pattern) => {
    const result = await mapFile(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(pattern);
  });

  it('exit 3 without AWS credentials, exit 4 for a missing bucket', async () => {
    const noCredentials = await mapFile(
      ['s3://lab-runs/run-7/', '--presign'],
      sandboxEnv(sandbox, { ...NO_AWS_CONFIG, AWS_REGION: 'us-east-1' }),
    );
    expect(noCredentials.code).toBe(3);
    expect(noCredentials.stderr).toMatch(/No AWS credentials for s3:\/\/lab-runs\/run-7\//);

    const missing = await mapFile(['s3://no-such-bucket/x/', '--presign']);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toMatch(/The bucket of s3:\/\/no-such-bucket\/x\/ does not exist/);
  });
});
