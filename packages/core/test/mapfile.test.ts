import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MapFileError, parseMapFile } from '../src/jobs/mapfile/index.js';

const HEADER = 'client_id,r_notation,path';
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gencove-mapfile-'));
  await mkdir(join(dir, 'reads', 'lanes'), { recursive: true });
  await mkdir(join(dir, 'maps'));
  for (const name of [
    'S1_R1.fastq.gz',
    'S1_R2.fastq.gz',
    'S2_L001_R1.fq.gz',
    'S2_L002_R1.fq.gz',
    'S3_R1.FASTQ.GZ',
  ]) {
    await writeFile(join(dir, 'reads', name), '@r\nACGT\n+\n!!!!\n');
  }
  await mkdir(join(dir, 'reads', 'dir.fastq.gz'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function mapFile(content: string, name = 'run.fastq-map.csv'): Promise<string> {
  const path = join(dir, 'maps', name);
  await writeFile(path, content);
  return path;
}

async function problemsOf(content: string): Promise<Array<{ line: number; message: string }>> {
  const path = await mapFile(content);
  const error = await parseMapFile(path, { cwd: dir }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MapFileError);
  const e = error as MapFileError;
  expect(e.code).toBe('ERR_GENCOVE_INPUT');
  return e.problems;
}

describe('parseMapFile: accepted files', () => {
  it('groups local paths by client_id and read, resolved against cwd, keeping row order', async () => {
    const path = await mapFile(
      [
        HEADER,
        'S1,R1,reads/S1_R1.fastq.gz',
        'S2,r1,reads/S2_L001_R1.fq.gz',
        'S1,r2,reads/S1_R2.fastq.gz',
        'S2,R1,reads/S2_L002_R1.fq.gz',
        'S3,R1,reads/S3_R1.FASTQ.GZ',
        '',
      ].join('\n'),
    );
    const parsed = await parseMapFile(path, { cwd: dir });
    expect(parsed.file).toBe(path);
    expect(parsed.kind).toBe('local');
    expect(parsed.groups).toEqual([
      { clientId: 'S1', read: 'R1', paths: [join(dir, 'reads/S1_R1.fastq.gz')], lines: [2] },
      {
        clientId: 'S2',
        read: 'R1',
        paths: [join(dir, 'reads/S2_L001_R1.fq.gz'), join(dir, 'reads/S2_L002_R1.fq.gz')],
        lines: [3, 5],
      },
      { clientId: 'S1', read: 'R2', paths: [join(dir, 'reads/S1_R2.fastq.gz')], lines: [4] },
      { clientId: 'S3', read: 'R1', paths: [join(dir, 'reads/S3_R1.FASTQ.GZ')], lines: [6] },
    ]);
  });

  it('accepts a BOM, CRLF line ends, a header in any case with spaces, blank lines and extra columns', async () => {
    const path = await mapFile(
      `\ufeff Client_ID , R_Notation,PATH ,note\r\n\r\nS1,R1,reads/S1_R1.fastq.gz,lane 1\r\n`,
    );
    const parsed = await parseMapFile(path, { cwd: dir });
    expect(parsed.groups).toEqual([
      { clientId: 'S1', read: 'R1', paths: [join(dir, 'reads/S1_R1.fastq.gz')], lines: [3] },
    ]);
  });

  it('reads a URL map verbatim, query strings included', async () => {
    const r1 =
      'https://bucket.s3.amazonaws.com/run/P1_R1.fastq.gz?X-Amz-Expires=604800&X-Amz-Signature=abc';
    const r2 = 'HTTPS://storage.example.org/run/P1_R2.fq.bgz';
    const path = await mapFile(`${HEADER}\nP1,R1,${r1}\nP1,R2,${r2}\n`);
    const parsed = await parseMapFile(path, { cwd: dir });
    expect(parsed.kind).toBe('url');
    expect(parsed.groups).toEqual([
      { clientId: 'P1', read: 'R1', paths: [r1], lines: [2] },
      { clientId: 'P1', read: 'R2', paths: [r2], lines: [3] },
    ]);
  });

  it('numbers lines by where a record starts, even after a quoted multi-line cell', async () => {
    const problems = await problemsOf(
      `${HEADER}\n"S1\nX",R1,reads/S1_R1.fastq.gz\nS4,R9,reads/S1_R2.fastq.gz\n`,
    );
    expect(problems.map((p) => p.line)).toEqual([2, 4]);
  });
});

describe('parseMapFile: every problem with its line number', () => {
  it.each([
    [
      'a missing header',
      'S1,R1,reads/S1_R1.fastq.gz\n',
      1,
      /first line must be the header client_id,r_notation,path/,
    ],
    ['a semicolon-separated file', 'client_id;r_notation;path\n', 1, /comma-separated/],
    ['columns out of order', 'path,client_id,r_notation\n', 1, /order client_id,r_notation,path/],
    [
      'a bad notation',
      `${HEADER}\nS1,R3,reads/S1_R1.fastq.gz\n`,
      2,
      /r_notation must be R1 or R2.*"R3"/,
    ],
    ['a notation with spaces', `${HEADER}\nS1, R1,reads/S1_R1.fastq.gz\n`, 2, /r_notation.*" R1"/],
    [
      'an underscore in client_id',
      `${HEADER}\nS_1,R1,reads/S1_R1.fastq.gz\n`,
      2,
      /client_id "S_1" contains "_"/,
    ],
    ['a slash in client_id', `${HEADER}\nplate/S1,R1,reads/S1_R1.fastq.gz\n`, 2, /contains "\/"/],
    ['an empty client_id', `${HEADER}\n,R1,reads/S1_R1.fastq.gz\n`, 2, /client_id is empty/],
    [
      'a client_id with spaces',
      `${HEADER}\nS1 ,R1,reads/S1_R1.fastq.gz\n`,
      2,
      /surrounding whitespace/,
    ],
    ['missing cells', `${HEADER}\nS1,R1\n`, 2, /expected 3 values.*found 2/],
    ['an empty path', `${HEADER}\nS1,R1,\n`, 2, /path is empty/],
    [
      'a path with spaces',
      `${HEADER}\nS1,R1,reads/S1_R1.fastq.gz \n`,
      2,
      /leading or trailing whitespace/,
    ],
    [
      'a local path without a FASTQ extension',
      `${HEADER}\nS1,R1,reads/S1_R1.fastq\n`,
      2,
      /must end in \.fastq\.gz/,
    ],
    [
      'a missing local file',
      `${HEADER}\nS1,R1,reads/nope_R1.fastq.gz\n`,
      2,
      /"reads\/nope_R1.fastq.gz" does not exist/,
    ],
    [
      'a directory named like a FASTQ',
      `${HEADER}\nS1,R1,reads/dir.fastq.gz\n`,
      2,
      /is not a regular file/,
    ],
    [
      'an upper-case URL extension (case-sensitive)',
      `${HEADER}\nS1,R1,https://h.test/S1_R1.FASTQ.GZ\n`,
      2,
      /must name a file ending in \.fastq\.gz/,
    ],
    [
      'a URL whose extension is only in the query',
      `${HEADER}\nS1,R1,https://h.test/get?f=S1_R1.fastq.gz\n`,
      2,
      /must name a file/,
    ],
    ['invalid CSV', `${HEADER}\nS1,R1,"reads/S1_R1.fastq.gz\n`, 2, /not valid CSV/],
    ['R2 without R1', `${HEADER}\nS1,R2,reads/S1_R2.fastq.gz\n`, 2, /has R2 but no R1/],
  ])('%s', async (_name, content, line, pattern) => {
    const problems = await problemsOf(content);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.line).toBe(line);
    expect(problems[0]!.message).toMatch(pattern);
  });

  it('rejects a second URL for the same client_id and read (the official client ignores it silently)', async () => {
    const problems = await problemsOf(
      `${HEADER}\nS1,R1,https://h.test/a_R1.fastq.gz\nS1,R2,https://h.test/a_R2.fastq.gz\nS1,r1,https://h.test/b_R1.fastq.gz\n`,
    );
    expect(problems).toEqual([
      {
        line: 4,
        message: expect.stringMatching(/duplicate R1 for client_id "S1" \(first at line 2\)/),
      },
    ]);
  });

  it('rejects the same local file listed twice', async () => {
    const problems = await problemsOf(
      `${HEADER}\nS1,R1,reads/S1_R1.fastq.gz\nS1,R1,./reads/S1_R1.fastq.gz\n`,
    );
    expect(problems).toEqual([
      { line: 3, message: expect.stringMatching(/already listed at line 2/) },
    ]);
  });

  it('rejects a mix of URLs and local paths, blaming the minority rows', async () => {
    const problems = await problemsOf(
      `${HEADER}\nS1,R1,https://h.test/S1_R1.fastq.gz\nS1,R2,reads/S1_R2.fastq.gz\nS2,R1,https://h.test/S2_R1.fastq.gz\n`,
    );
    expect(problems).toEqual([
      {
        line: 3,
        message: expect.stringMatching(/a local path in a map file of URLs \(first at line 2\)/),
      },
    ]);
  });

  it('treats http: without // as a local path, as the official client does', async () => {
    const problems = await problemsOf(`${HEADER}\nS1,R1,http:S1_R1.fastq.gz\n`);
    expect(problems).toEqual([{ line: 2, message: expect.stringMatching(/does not exist/) }]);
  });

  it('reports every problem at once, in line order, in the message too', async () => {
    const path = await mapFile(
      `${HEADER}\nS_1,R1,reads/S1_R1.fastq.gz\nS2,R7,reads/S2_L001_R1.fq.gz\nS3,R1,reads/missing.fq.gz\nS4,R1\n`,
    );
    const error = (await parseMapFile(path, { cwd: dir }).catch((e: unknown) => e)) as MapFileError;
    expect(error.problems.map((p) => p.line).sort()).toEqual([2, 3, 4, 5]);
    const lines = error.message.split('\n');
    expect(lines[0]).toBe(`Invalid map file ${path} (4 problems; nothing was sent):`);
    expect(lines.slice(1).map((l) => l.match(/^ {2}line (\d+):/)?.[1])).toEqual([
      '2',
      '3',
      '4',
      '5',
    ]);
  });

  it('caps the listing at 50 problems and counts the rest', async () => {
    const rows = Array.from({ length: 70 }, (_, i) => `S${i},R3,reads/S1_R1.fastq.gz`);
    const path = await mapFile(`${HEADER}\n${rows.join('\n')}\n`);
    const error = (await parseMapFile(path, { cwd: dir }).catch((e: unknown) => e)) as MapFileError;
    expect(error.problems).toHaveLength(70);
    const lines = error.message.split('\n');
    expect(lines).toHaveLength(1 + 50 + 1);
    expect(lines[50]).toMatch(/^ {2}line 51:/);
    expect(lines[51]).toBe('  … and 20 more');
  });

  it('never shows URL signatures in messages', async () => {
    const problems = await problemsOf(
      `${HEADER}\nS1,R1,https://h.test/S1_R1.txt?X-Amz-Credential=AKIAEXAMPLE&X-Amz-Signature=deadbeefcafe\n`,
    );
    expect(problems[0]!.message).not.toMatch(/deadbeefcafe|AKIAEXAMPLE/);
    expect(problems[0]!.message).toContain('X-Amz-Signature=[REDACTED]');
  });

  it('resolves relative paths against cwd and says so when the file sits next to the map', async () => {
    const path = join(dir, 'reads', 'next.fastq-map.csv');
    await writeFile(path, `${HEADER}\nS1,R1,S1_R1.fastq.gz\n`);
    const error = (await parseMapFile(path, { cwd: dir }).catch((e: unknown) => e)) as MapFileError;
    expect(error.problems).toEqual([
      { line: 2, message: expect.stringMatching(/exists next to the map file.*current directory/) },
    ]);
    const parsed = await parseMapFile('next.fastq-map.csv', { cwd: join(dir, 'reads') });
    expect(parsed.groups[0]!.paths).toEqual([join(dir, 'reads', 'S1_R1.fastq.gz')]);
  });

  it.each([
    ['an empty file', '', /the file is empty/],
    ['a header without rows', `${HEADER}\n`, /no data rows/],
  ])('rejects %s', async (_name, content, pattern) => {
    const problems = await problemsOf(content);
    expect(problems).toEqual([{ line: 0, message: expect.stringMatching(pattern) }]);
  });

  it('rejects a map file that does not exist or is a directory', async () => {
    for (const [path, pattern] of [
      ['maps/none.fastq-map.csv', /does not exist/],
      ['maps', /is a directory/],
    ] as const) {
      const error = (await parseMapFile(path, { cwd: dir }).catch(
        (e: unknown) => e,
      )) as MapFileError;
      expect(error).toBeInstanceOf(MapFileError);
      expect(error.problems).toEqual([{ line: 0, message: expect.stringMatching(pattern) }]);
    }
  });
});
