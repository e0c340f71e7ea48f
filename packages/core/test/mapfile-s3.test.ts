import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readUrlExpiry } from '../src/jobs/import/expiry.js';
import {
  buildS3MapFile,
  formatMapFile,
  pairFastqKeys,
  parseMapFile,
  parseS3Uri,
  S3MapFileError,
} from '../src/jobs/mapfile/index.js';
import { fastqBytes, type Lab, startLab } from './import-fixtures.js';

describe('pairFastqKeys', () => {
  it('pairs R1/R2 from Illumina names, skips what cannot be a read and sorts by client ID', () => {
    const paired = pairFastqKeys([
      'run/PLT4-B07_S2_L001_R2_001.fastq.gz',
      'run/PLT4-B07_S2_L001_R1_001.fastq.gz',
      'run/PLT4-A03_R1.fq.gz',
      'run/SampleSheet.csv',
      'run/PLT4-C01_R1.FASTQ.GZ',
      'run/Undetermined_S0_L001_R1_001.fastq.gz',
      'run/PLT4-D01_S4.fastq.gz',
      'run/PLT4-E01_R1_R2.fastq.gz',
      'run/_R1.fastq.gz',
    ]);
    expect(paired.rows).toEqual([
      { clientId: 'PLT4-A03', read: 'R1', key: 'run/PLT4-A03_R1.fq.gz' },
      { clientId: 'PLT4-B07', read: 'R1', key: 'run/PLT4-B07_S2_L001_R1_001.fastq.gz' },
      { clientId: 'PLT4-B07', read: 'R2', key: 'run/PLT4-B07_S2_L001_R2_001.fastq.gz' },
    ]);
    expect(paired.skipped.map((s) => [s.key, s.reason])).toEqual([
      ['run/PLT4-C01_R1.FASTQ.GZ', expect.stringMatching(/upper-case extension/)],
      ['run/Undetermined_S0_L001_R1_001.fastq.gz', expect.stringMatching(/undetermined/)],
      ['run/PLT4-D01_S4.fastq.gz', expect.stringMatching(/no _R1 or _R2/)],
      ['run/PLT4-E01_R1_R2.fastq.gz', expect.stringMatching(/both/)],
      ['run/_R1.fastq.gz', expect.stringMatching(/no client ID/)],
    ]);
    expect(paired.conflicts).toEqual([]);
    expect(paired.orphanR2).toEqual([]);
  });

  it('reports several files for one read (lanes) and R2 without R1', () => {
    const paired = pairFastqKeys([
      'S1_L001_R1_001.fastq.gz',
      'S1_L002_R1_001.fastq.gz',
      'S2_R2.fastq.gz',
    ]);
    expect(paired.conflicts).toEqual([
      { clientId: 'S1', read: 'R1', keys: ['S1_L001_R1_001.fastq.gz', 'S1_L002_R1_001.fastq.gz'] },
    ]);
    expect(paired.orphanR2).toEqual([{ clientId: 'S2', read: 'R2', key: 'S2_R2.fastq.gz' }]);
    expect(paired.rows).toEqual([]);
  });
});

describe('parseS3Uri and formatMapFile', () => {
  it('parses s3:// locations and rejects others', () => {
    expect(parseS3Uri('s3://lab-runs')).toEqual({ bucket: 'lab-runs', prefix: '' });
    expect(parseS3Uri('s3://lab-runs/2026/run-7/')).toEqual({
      bucket: 'lab-runs',
      prefix: '2026/run-7/',
    });
    for (const bad of [
      'https://lab-runs.s3.amazonaws.com/x',
      's3:/lab-runs',
      's3://Lab_Runs/x',
      'lab-runs/x',
    ]) {
      expect(() => parseS3Uri(bad)).toThrow(/not an S3 location/);
    }
  });

  it('quotes cells only when CSV needs it', () => {
    expect(
      formatMapFile([{ clientId: 'S1', read: 'R1', path: 'https://h/a.fastq.gz?x=1&y=2' }]),
    ).toBe('client_id,r_notation,path\nS1,R1,https://h/a.fastq.gz?x=1&y=2\n');
    expect(formatMapFile([{ clientId: 'S1', read: 'R1', path: 'https://h/a,"b".fastq.gz' }])).toBe(
      'client_id,r_notation,path\nS1,R1,"https://h/a,""b"".fastq.gz"\n',
    );
  });
});

describe('buildS3MapFile against the sandbox S3 (s3rver)', () => {
  let lab: Lab;

  beforeAll(async () => {
    lab = await startLab();
    for (const key of [
      'run-7/PLT4-A03_S1_L001_R1_001.fastq.gz',
      'run-7/PLT4-A03_S1_L001_R2_001.fastq.gz',
      'run-7/PLT4-B07_S2_L001_R1_001.fastq.gz',
      'run-7/SampleSheet.csv',
      'run-7/Undetermined_S0_L001_R1_001.fastq.gz',
      'run-8/PLT5-A01_R1.fastq.gz',
      'lanes/S9_L001_R1_001.fastq.gz',
      'lanes/S9_L002_R1_001.fastq.gz',
    ]) {
      await lab.put(key, fastqBytes(key));
    }
  });

  afterAll(async () => {
    await lab?.close();
  });

  it('lists the prefix, pairs reads and writes presigned URLs that the parser accepts and that work', async () => {
    const now = new Date();
    const built = await buildS3MapFile({
      source: `s3://${lab.bucket}/run-7/`,
      client: lab.s3,
      expiresInSeconds: 3 * 24 * 3600,
      now,
    });
    expect(built.listed).toBe(5);
    expect(built.rows.map((r) => [r.clientId, r.read])).toEqual([
      ['PLT4-A03', 'R1'],
      ['PLT4-A03', 'R2'],
      ['PLT4-B07', 'R1'],
    ]);
    expect(built.skipped).toEqual([
      { key: 'run-7/Undetermined_S0_L001_R1_001.fastq.gz', reason: expect.any(String) },
    ]);
    expect(built.expiresAt).toBe(new Date(now.getTime() + 3 * 24 * 3600_000).toISOString());

    const path = join(lab.dir, 'built.fastq-map.csv');
    await writeFile(path, built.text);
    const map = await parseMapFile(path);
    expect(map.kind).toBe('url');
    expect(map.groups).toHaveLength(3);
    for (const group of map.groups) {
      const url = group.paths[0]!;
      const reading = readUrlExpiry(new URL(url));
      expect(reading).toMatchObject({ kind: 'expires', scheme: 'aws-sigv4' });
      const response = await fetch(url);
      expect(response.status).toBe(200);
      const key = built.rows.find((r) => r.path === url)!;
      expect(Buffer.from(await response.arrayBuffer())).toEqual(
        fastqBytes(`run-7/${new URL(key.path).pathname.split('/').pop()}`),
      );
    }
  });

  it('writes plain URLs without presign', async () => {
    const built = await buildS3MapFile({
      source: `s3://${lab.bucket}/run-8`,
      client: lab.s3,
      presign: false,
    });
    expect(built.rows).toEqual([
      {
        clientId: 'PLT5-A01',
        read: 'R1',
        path: `${lab.sandbox.s3Url}/${lab.bucket}/run-8/PLT5-A01_R1.fastq.gz`,
      },
    ]);
    expect(built.expiresAt).toBeUndefined();
  });

  it('refuses several lanes for one read instead of silently picking one', async () => {
    const error = await buildS3MapFile({
      source: `s3://${lab.bucket}/lanes/`,
      client: lab.s3,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(S3MapFileError);
    expect((error as S3MapFileError).code).toBe('ERR_GENCOVE_INPUT');
    expect((error as Error).message).toMatch(
      /S9 R1: 2 files \(lanes\/S9_L001_R1_001.fastq.gz, lanes\/S9_L002_R1_001.fastq.gz\)/,
    );
  });

  it('says so when the prefix holds no usable FASTQ', async () => {
    await expect(
      buildS3MapFile({ source: `s3://${lab.bucket}/nothing/`, client: lab.s3 }),
    ).rejects.toThrow(/No usable FASTQ files under s3:\/\/lab-runs\/nothing\/ among 0 objects/);
  });

  it('refuses lifetimes over 7 days', async () => {
    await expect(
      buildS3MapFile({
        source: `s3://${lab.bucket}/run-7/`,
        client: lab.s3,
        expiresInSeconds: 8 * 24 * 3600,
      }),
    ).rejects.toThrow(/7 days/);
  });
});
