import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MapFileError, parseMapFile, parseMapFileContent } from '../src/jobs/mapfile/index.js';

const HEADER = 'client_id,r_notation,path';
const URL_MAP = [
  HEADER,
  'S1,R1,https://lab.example.org/run/S1_R1.fastq.gz?X-Amz-Signature=abc',
  'S1,r2,https://lab.example.org/run/S1_R2.fastq.gz',
  'S2,R1,http://lab.example.org/run/S2_R1.fq.bgz',
].join('\r\n');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gencove-mapfile-content-'));
  await mkdir(join(dir, 'maps', 'reads'), { recursive: true });
  await writeFile(join(dir, 'maps', 'reads', 'L_R1.fastq.gz'), '@r\nACGT\n+\n!!!!\n');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function problemsOf(promise: Promise<unknown>): Promise<MapFileError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MapFileError);
  return error as MapFileError;
}

describe('parseMapFileContent', () => {
  it('parses a URL map from text, BOM and CRLF included, touching no file', async () => {
    const map = await parseMapFileContent(`\uFEFF${URL_MAP}\r\n`, { file: 'run.fastq-map.csv' });
    expect(map).toEqual({
      file: 'run.fastq-map.csv',
      kind: 'url',
      groups: [
        {
          clientId: 'S1',
          read: 'R1',
          paths: ['https://lab.example.org/run/S1_R1.fastq.gz?X-Amz-Signature=abc'],
          lines: [2],
        },
        {
          clientId: 'S1',
          read: 'R2',
          paths: ['https://lab.example.org/run/S1_R2.fastq.gz'],
          lines: [3],
        },
        {
          clientId: 'S2',
          read: 'R1',
          paths: ['http://lab.example.org/run/S2_R1.fq.bgz'],
          lines: [4],
        },
      ],
    });
  });

  it('gives the same result as parseMapFile on the same bytes, apart from the file name', async () => {
    const path = join(dir, 'same.fastq-map.csv');
    await writeFile(path, URL_MAP);
    const fromFile = await parseMapFile(path);
    const fromText = await parseMapFileContent(URL_MAP, { file: path });
    expect(fromFile.file).toBe(path);
    expect({ ...fromText, file: path }).toEqual(fromFile);
  });

  it('reports every problem with its line, naming the source (or <content>)', async () => {
    const text = [
      HEADER,
      'BAD_ID,R1,https://lab.example.org/BAD_R1.fastq.gz',
      'S3,R3,https://lab.example.org/S3_R1.fastq.gz',
      'S4,R1,https://lab.example.org/S4_R1.txt',
      'S5,R2,https://lab.example.org/S5_R2.fastq.gz',
    ].join('\n');
    const named = await problemsOf(parseMapFileContent(text, { file: 'samples.fastq-map.csv' }));
    expect(named.message).toMatch(/^Invalid map file samples\.fastq-map\.csv \(4 problems/);
    expect(named.problems.map((p) => p.line).sort()).toEqual([2, 3, 4, 5]);
    expect(named.code).toBe('ERR_GENCOVE_INPUT');

    const unnamed = await problemsOf(parseMapFileContent(''));
    expect(unnamed.message).toMatch(/^Invalid map file <content> \(1 problem/);
    expect(unnamed.problems).toEqual([{ line: 0, message: expect.stringMatching(/is empty/) }]);
  });

  it('resolves local paths against cwd and checks them, with the hint relative to `file`', async () => {
    const local = [HEADER, 'L,R1,reads/L_R1.fastq.gz'].join('\n');
    const found = await parseMapFileContent(local, { cwd: join(dir, 'maps') });
    expect(found.kind).toBe('local');
    expect(found.groups[0]!.paths).toEqual([join(dir, 'maps', 'reads', 'L_R1.fastq.gz')]);

    const missing = await problemsOf(
      parseMapFileContent(local, { cwd: dir, file: 'maps/run.fastq-map.csv' }),
    );
    expect(missing.problems).toEqual([
      {
        line: 2,
        message: expect.stringMatching(/does not exist .*it exists next to the map file/),
      },
    ]);
  });

  it('urlsOnly: a local path is a problem of its row and no file is looked at', async () => {
    const text = [
      HEADER,
      'S1,R1,https://lab.example.org/S1_R1.fastq.gz',
      'L,R1,reads/L_R1.fastq.gz',
    ].join('\n');
    // the local file exists under cwd: only urlsOnly makes it a problem
    await expect(parseMapFileContent(text, { cwd: join(dir, 'maps') })).rejects.toThrow(
      /a local path in a map file of URLs/,
    );
    const error = await problemsOf(
      parseMapFileContent(text, { cwd: join(dir, 'maps'), urlsOnly: true }),
    );
    expect(error.problems).toEqual([
      {
        line: 3,
        message: 'path "reads/L_R1.fastq.gz" is not an http(s) URL; only URLs are accepted here',
      },
    ]);
  });
});
