import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DestinationError } from '../src/jobs/destination.js';
import { MapFileError } from '../src/jobs/mapfile/index.js';
import {
  assertUploadable,
  choosePartSize,
  defaultCacheDir,
  MAX_PART_SIZE,
  MAX_PARTS,
  MIN_PART_SIZE,
  NoFastqFilesError,
  parseFastqName,
  planUpload,
  UploadInputError,
  UploadPlanError,
} from '../src/jobs/upload/index.js';

const MIB = 1024 * 1024;
let dir: string;

async function tree(root: string, files: Record<string, string | number>): Promise<string> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(
      join(root, path),
      typeof content === 'number' ? Buffer.alloc(content, 7) : content,
    );
  }
  return root;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gencove-upload-plan-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('parseFastqName (Illumina-style, spec §3.2)', () => {
  it.each([
    ['PLT4-A03_R1.fastq.gz', 'PLT4-A03', 'R1', false],
    ['PLT4-A03_S12_L002_R2_001.fastq.gz', 'PLT4-A03', 'R2', false],
    ['S1_R1.fq.bgz', 'S1', 'R1', false],
    ['S1_R2.FASTQ.GZ', 'S1', 'R2', false],
    ['S1_r1.fastq.gz', 'S1', undefined, false],
    ['S1.fastq.gz', 'S1', undefined, false],
    ['S1_R1_R2.fastq.gz', 'S1', undefined, true],
    ['_R1.fastq.gz', '', 'R1', false],
    ['S1_R12.fastq.gz', 'S1', undefined, false],
    ['S1-R1.fastq.gz', 'S1-R1', undefined, false],
  ])('%s → client %j, read %j', (name, clientId, read, ambiguous) => {
    const parsed = parseFastqName(name);
    expect(parsed.clientId).toBe(clientId);
    expect(parsed.read).toBe(read);
    expect(parsed.ambiguous).toBe(ambiguous);
  });
});

describe('choosePartSize', () => {
  it.each([
    [1, 8 * MIB],
    [100 * MIB, 8 * MIB],
    [10_000 * 8 * MIB, 8 * MIB],
    [10_000 * 8 * MIB + 1, 9 * MIB],
    [10 * 1024 ** 3, 8 * MIB],
    [5 * 1024 ** 4, 525 * MIB],
  ])('%i bytes → %i-byte parts', (size, expected) => {
    expect(choosePartSize(size)).toBe(expected);
  });

  it('fits any object up to 5 TiB in 10 000 parts within S3 part limits', () => {
    for (const size of [5 * 1024 ** 4, 4.3 * 1024 ** 4, 1024 ** 4 + 12345, 160 * 1024 ** 3 + 7]) {
      const part = choosePartSize(size);
      expect(Math.ceil(size / part)).toBeLessThanOrEqual(MAX_PARTS);
      expect(part).toBeGreaterThanOrEqual(MIN_PART_SIZE);
      expect(part).toBeLessThanOrEqual(MAX_PART_SIZE);
    }
  });

  it('never goes below the S3 minimum even when asked to', () => {
    expect(choosePartSize(100 * MIB, 1 * MIB)).toBe(MIN_PART_SIZE);
  });
});

describe('planUpload: directories', () => {
  let root: string;
  beforeAll(async () => {
    root = await tree(join(dir, 'run'), {
      'S2_R1.fastq.gz': 30,
      'S2_R2.fastq.gz': 20,
      'S1_R1.fastq.gz': 10,
      'S1_R2.fastq.gz': 11,
      'notes.txt': 'x',
      'plate2/S7_S1_L001_R1_001.fq.gz': 5,
      'plate2/S7_S1_L001_R2_001.fq.gz': 6,
      'plate2/single_R1.fastq.bgz': 4,
      'plate2/sample.csv': 'a,b',
    });
    await mkdir(join(dir, 'elsewhere'));
    await writeFile(join(dir, 'elsewhere', 'LINKED_R1.fastq.gz'), 'abc');
    await writeFile(join(dir, 'elsewhere', 'LINKED_R2.fastq.gz'), 'abcd');
    await symlink(join(dir, 'elsewhere', 'LINKED_R1.fastq.gz'), join(root, 'LINKED_R1.fastq.gz'));
    await symlink(join(dir, 'elsewhere', 'LINKED_R2.fastq.gz'), join(root, 'LINKED_R2.fastq.gz'));
    await symlink(join(dir, 'elsewhere'), join(root, 'linked-dir'));
  });

  it('walks recursively in sorted order, keeps sub-folders and pairs R1/R2 per folder', async () => {
    const plan = await planUpload({ source: root, destination: 'gncv://batch-7' });
    expect(plan.kind).toBe('directory');
    expect(plan.destination).toBe('gncv://batch-7/');
    expect(plan.destinationGenerated).toBe(false);
    expect(plan.uploads.map((u) => [u.label, u.destinationPath])).toEqual([
      ['LINKED_R1.fastq.gz', 'gncv://batch-7/LINKED_R1.fastq.gz'],
      ['LINKED_R2.fastq.gz', 'gncv://batch-7/LINKED_R2.fastq.gz'],
      ['S1_R1.fastq.gz', 'gncv://batch-7/S1_R1.fastq.gz'],
      ['S1_R2.fastq.gz', 'gncv://batch-7/S1_R2.fastq.gz'],
      ['S2_R1.fastq.gz', 'gncv://batch-7/S2_R1.fastq.gz'],
      ['S2_R2.fastq.gz', 'gncv://batch-7/S2_R2.fastq.gz'],
      ['plate2/S7_S1_L001_R1_001.fq.gz', 'gncv://batch-7/plate2/S7_S1_L001_R1_001.fq.gz'],
      ['plate2/S7_S1_L001_R2_001.fq.gz', 'gncv://batch-7/plate2/S7_S1_L001_R2_001.fq.gz'],
      ['plate2/single_R1.fastq.bgz', 'gncv://batch-7/plate2/single_R1.fastq.bgz'],
    ]);
    expect(plan.ignored.map((p) => p.slice(root.length))).toEqual([
      '/notes.txt',
      '/plate2/sample.csv',
    ]);
    expect(plan.totalBytes).toBe(3 + 4 + 10 + 11 + 30 + 20 + 5 + 6 + 4);
    expect(plan.samples).toEqual([
      {
        folder: 'gncv://batch-7/',
        clientId: 'LINKED',
        r1: 'gncv://batch-7/LINKED_R1.fastq.gz',
        r2: 'gncv://batch-7/LINKED_R2.fastq.gz',
      },
      {
        folder: 'gncv://batch-7/',
        clientId: 'S1',
        r1: 'gncv://batch-7/S1_R1.fastq.gz',
        r2: 'gncv://batch-7/S1_R2.fastq.gz',
      },
      {
        folder: 'gncv://batch-7/',
        clientId: 'S2',
        r1: 'gncv://batch-7/S2_R1.fastq.gz',
        r2: 'gncv://batch-7/S2_R2.fastq.gz',
      },
      {
        folder: 'gncv://batch-7/plate2/',
        clientId: 'S7',
        r1: 'gncv://batch-7/plate2/S7_S1_L001_R1_001.fq.gz',
        r2: 'gncv://batch-7/plate2/S7_S1_L001_R2_001.fq.gz',
      },
      {
        folder: 'gncv://batch-7/plate2/',
        clientId: 'single',
        r1: 'gncv://batch-7/plate2/single_R1.fastq.bgz',
      },
    ]);
    expect(plan.problems).toEqual([
      expect.objectContaining({
        severity: 'warning',
        kind: 'unpaired',
        paths: ['gncv://batch-7/plate2/single_R1.fastq.bgz'],
      }),
    ]);
    expect(() => assertUploadable(plan)).not.toThrow();
  });

  it('generates gncv://cli-<UTC time>-<32 hex>/ when no destination is given', async () => {
    const plan = await planUpload({ source: root, now: new Date('2026-01-05T09:14:03Z') });
    expect(plan.destination).toMatch(/^gncv:\/\/cli-20260105091403-[0-9a-f]{32}\/$/);
    expect(plan.destinationGenerated).toBe(true);
  });

  it('reports every name the server would mis-group, as blocking errors', async () => {
    const bad = await tree(join(dir, 'bad'), {
      'A_L001_R1.fastq.gz': 1,
      'A_L002_R1.fastq.gz': 1,
      'B.fastq.gz': 1,
      'C_R1_R2.fastq.gz': 1,
      '_R1.fastq.gz': 1,
      'D_R1.fastq.gz': 0,
      'E_R2.fastq.gz': 1,
      'x/F_R1.fastq.gz': 1,
      'y/F_R2.fastq.gz': 1,
      'y/F_R1.fastq.gz': 1,
    });
    const plan = await planUpload({ source: bad, destination: 'gncv://bad/' });
    const kinds = plan.problems.map((p) => `${p.severity}:${p.kind}`).sort();
    expect(kinds).toEqual(
      [
        'error:duplicate-read',
        'error:no-read-token',
        'error:ambiguous-read',
        'error:empty-client-id',
        'error:empty-file',
        // A (R1 only once its duplicate is refused), D, E (R2 only) and x/F
        'warning:unpaired',
        'warning:unpaired',
        'warning:unpaired',
        'warning:unpaired',
        'warning:client-id-in-several-folders',
      ].sort(),
    );
    const duplicate = plan.problems.find((p) => p.kind === 'duplicate-read')!;
    expect(duplicate.message).toContain('A_L001_R1.fastq.gz');
    expect(duplicate.message).toContain('A_L002_R1.fastq.gz');
    expect(() => assertUploadable(plan)).toThrow(UploadPlanError);
    try {
      assertUploadable(plan);
    } catch (error) {
      expect((error as UploadPlanError).code).toBe('ERR_GENCOVE_INPUT');
      expect((error as Error).message).toContain('5 problems');
      expect((error as Error).message).toContain('B.fastq.gz: no _R1 or _R2 token');
    }
  });

  it('reports a broken FASTQ symlink as unreadable instead of leaving the file out', async () => {
    const broken = await tree(join(dir, 'broken'), { 'OK_R1.fastq.gz': 3, 'OK_R2.fastq.gz': 3 });
    await symlink(join(dir, 'broken', 'gone.fastq.gz'), join(broken, 'LOST_R1.fastq.gz'));
    await symlink(join(dir, 'broken', 'gone.txt'), join(broken, 'notes.txt'));
    const plan = await planUpload({ source: broken, destination: 'gncv://broken/' });
    expect(plan.uploads.map((u) => u.label)).toEqual([
      'LOST_R1.fastq.gz',
      'OK_R1.fastq.gz',
      'OK_R2.fastq.gz',
    ]);
    expect(plan.problems.filter((p) => p.severity === 'error')).toEqual([
      expect.objectContaining({
        kind: 'unreadable',
        paths: [join(broken, 'LOST_R1.fastq.gz')],
        message: expect.stringContaining('LOST_R1.fastq.gz cannot be read'),
      }),
    ]);
    expect(plan.ignored).toEqual([]); // a broken link without a FASTQ name is no file at all
    expect(() => assertUploadable(plan)).toThrow(UploadPlanError);
  });

  it('rejects a missing source, a plain file, an empty folder and a bad destination', async () => {
    await expect(planUpload({ source: join(dir, 'nope') })).rejects.toThrow(
      /Source .*nope does not exist/,
    );
    await writeFile(join(dir, 'reads.fastq.gz'), 'x');
    await expect(planUpload({ source: join(dir, 'reads.fastq.gz') })).rejects.toThrow(
      /must be a directory or a map file named \*\.fastq-map\.csv/,
    );
    await expect(planUpload({ source: join(dir, 'nope') })).rejects.toMatchObject({
      code: 'ERR_GENCOVE_INPUT',
    });
    await tree(join(dir, 'empty'), { 'readme.md': 'x' });
    const empty = planUpload({ source: join(dir, 'empty') });
    await expect(empty).rejects.toBeInstanceOf(NoFastqFilesError);
    await expect(empty).rejects.toBeInstanceOf(UploadInputError);
    await expect(empty).rejects.toMatchObject({
      code: 'ERR_GENCOVE_NO_FILES',
      source: join(dir, 'empty'),
    });
    await expect(empty).rejects.toThrow(/No FASTQ files found .*1 other files ignored/);
    await expect(planUpload({ source: root, destination: 's3://bucket/x' })).rejects.toBeInstanceOf(
      DestinationError,
    );
  });
});

describe('planUpload: an explicit file list (e.g. glob matches)', () => {
  let root: string;
  beforeAll(async () => {
    root = await tree(join(dir, 'listed'), {
      'S1_R1.fastq.gz': 10,
      'S1_R2.fastq.gz': 11,
      'S2_R1.fastq.gz': 12,
      'S2_R2.fastq.gz': 13,
      'EMPTY_R1.fastq.gz': 0,
      'notes.txt': 'x',
      'lane2/S3_R1.fq.gz': 5,
      'lane2/S3_R2.fq.gz': 6,
      'lane2/deeper/S4_R1.fq.gz': 7,
      'lane2.fastq.gz/S5_R1.fastq.gz': 8,
    });
  });

  it('names and orders the given files exactly as a walk of the folder would', async () => {
    const walked = await planUpload({ source: root, destination: 'gncv://l' });
    const files = [
      'lane2/deeper/S4_R1.fq.gz',
      'S2_R2.fastq.gz',
      'notes.txt',
      'lane2/S3_R2.fq.gz',
      'S1_R1.fastq.gz',
      'lane2.fastq.gz/S5_R1.fastq.gz',
      'EMPTY_R1.fastq.gz',
      'S2_R1.fastq.gz',
      'lane2/S3_R1.fq.gz',
      'S1_R2.fastq.gz',
      'S1_R2.fastq.gz',
    ].map((f) => join(root, f));
    const listed = await planUpload({ source: root, files, destination: 'gncv://l' });
    expect(listed.kind).toBe('files');
    expect(listed.source).toBe(root);
    expect(listed.uploads).toEqual(walked.uploads);
    expect(listed.ignored).toEqual([join(root, 'notes.txt')]);
    expect(listed.samples).toEqual(walked.samples);
    expect(listed.problems).toEqual(walked.problems);
  });

  it('pairs and checks only the given files', async () => {
    const plan = await planUpload({
      source: 'listed',
      cwd: dir,
      // relative to cwd, as glob results often are; the empty file is not among them
      files: ['listed/S1_R1.fastq.gz', 'listed/S2_R1.fastq.gz', 'listed/lane2/S3_R1.fq.gz'],
      destination: 'gncv://only-r1',
    });
    expect(plan.uploads.map((u) => u.label)).toEqual([
      'S1_R1.fastq.gz',
      'S2_R1.fastq.gz',
      'lane2/S3_R1.fq.gz',
    ]);
    expect(plan.uploads[0]!.sources[0]!.path).toBe(join(root, 'S1_R1.fastq.gz'));
    // R2 files exist in the folder, but are not uploaded: each sample will be single-end
    expect(plan.samples.map((s) => [s.clientId, s.r1, s.r2])).toEqual([
      ['S1', 'gncv://only-r1/S1_R1.fastq.gz', undefined],
      ['S2', 'gncv://only-r1/S2_R1.fastq.gz', undefined],
      ['S3', 'gncv://only-r1/lane2/S3_R1.fq.gz', undefined],
    ]);
    expect(plan.problems.map((p) => `${p.severity}:${p.kind}:${p.paths.join()}`)).toEqual([
      'warning:unpaired:gncv://only-r1/S1_R1.fastq.gz',
      'warning:unpaired:gncv://only-r1/S2_R1.fastq.gz',
      'warning:unpaired:gncv://only-r1/lane2/S3_R1.fq.gz',
    ]);
    expect(plan.totalBytes).toBe(10 + 12 + 5);
  });

  it('reports a given file that is missing or not a file as unreadable, blocking', async () => {
    await mkdir(join(root, 'DIR_R2.fastq.gz'), { recursive: true });
    const plan = await planUpload({
      source: root,
      files: [join(root, 'GONE_R1.fastq.gz'), join(root, 'DIR_R2.fastq.gz')],
      destination: 'gncv://gone',
    });
    expect(plan.problems.filter((p) => p.severity === 'error')).toEqual([
      expect.objectContaining({
        kind: 'unreadable',
        message: expect.stringContaining('not a regular file'),
        paths: [join(root, 'DIR_R2.fastq.gz')],
      }),
      expect.objectContaining({ kind: 'unreadable', paths: [join(root, 'GONE_R1.fastq.gz')] }),
    ]);
    expect(() => assertUploadable(plan)).toThrow(UploadPlanError);
  });

  it('refuses files outside the folder, and a folder that is not one', async () => {
    const outside = planUpload({
      source: join(root, 'lane2'),
      files: [join(root, 'lane2/S3_R1.fq.gz'), join(root, 'S1_R1.fastq.gz')],
    });
    await expect(outside).rejects.toBeInstanceOf(UploadInputError);
    await expect(outside).rejects.toMatchObject({ code: 'ERR_GENCOVE_INPUT' });
    await expect(outside).rejects.toThrow(
      `File ${join(root, 'S1_R1.fastq.gz')} is not inside ${join(root, 'lane2')}`,
    );
    await expect(
      planUpload({ source: join(root, 'lane2'), files: [join(root, 'lane2')] }),
    ).rejects.toThrow(/is not inside/);
    await expect(
      planUpload({ source: join(root, 'S1_R1.fastq.gz'), files: [join(root, 'S1_R1.fastq.gz')] }),
    ).rejects.toThrow(/must be a directory when files are given/);
  });

  it('throws NoFastqFilesError when none of the given files is a FASTQ', async () => {
    const none = planUpload({ source: root, files: [join(root, 'notes.txt')] });
    await expect(none).rejects.toBeInstanceOf(NoFastqFilesError);
    await expect(none).rejects.toMatchObject({ code: 'ERR_GENCOVE_NO_FILES', source: root });
    await expect(none).rejects.toThrow(
      /^No FASTQ files found among the 1 given file\(s\) in .*1 other file\(s\) ignored\)\.$/,
    );
    await expect(planUpload({ source: root, files: [] })).rejects.toThrow(
      /No FASTQ files found: no files were given/,
    );
  });
});

describe('planUpload: local map files', () => {
  it('names one object per client and read, concatenating the lanes in row order', async () => {
    const base = await tree(join(dir, 'map'), {
      'lanes/S1_L001_R1.fastq.gz': 3,
      'lanes/S1_L002_R1.fastq.gz': 4,
      'lanes/S1_L001_R2.fastq.gz': 5,
      'lanes/S2_R1.fastq.gz': 6,
    });
    await writeFile(
      join(base, 'run.fastq-map.csv'),
      [
        'client_id,r_notation,path',
        'S1,R1,lanes/S1_L002_R1.fastq.gz',
        'S1,r2,lanes/S1_L001_R2.fastq.gz',
        'S1,R1,lanes/S1_L001_R1.fastq.gz',
        'S2,R1,lanes/S2_R1.fastq.gz',
      ].join('\n'),
    );
    const plan = await planUpload({
      source: 'run.fastq-map.csv',
      cwd: base,
      destination: 'gncv://m',
    });
    expect(plan.kind).toBe('map-file');
    expect(
      plan.uploads.map((u) => [
        u.destinationPath,
        u.sources.map((s) => s.path.slice(base.length)),
        u.size,
      ]),
    ).toEqual([
      ['gncv://m/S1_R1.fastq.gz', ['/lanes/S1_L002_R1.fastq.gz', '/lanes/S1_L001_R1.fastq.gz'], 7],
      ['gncv://m/S1_R2.fastq.gz', ['/lanes/S1_L001_R2.fastq.gz'], 5],
      ['gncv://m/S2_R1.fastq.gz', ['/lanes/S2_R1.fastq.gz'], 6],
    ]);
    expect(plan.samples.map((s) => [s.clientId, Boolean(s.r1), Boolean(s.r2)])).toEqual([
      ['S1', true, true],
      ['S2', true, false],
    ]);
  });

  it('passes map-file problems through as MapFileError (exit 2 in the CLI)', async () => {
    const base = await tree(join(dir, 'badmap'), { 'S1_R1.fastq.gz': 1 });
    await writeFile(
      join(base, 'bad.fastq-map.csv'),
      'client_id,r_notation,path\nS_1,R3,S1_R1.fastq.gz\n',
    );
    await expect(planUpload({ source: 'bad.fastq-map.csv', cwd: base })).rejects.toBeInstanceOf(
      MapFileError,
    );
  });
});

describe('defaultCacheDir', () => {
  it('uses XDG_CACHE_HOME when absolute, else ~/.cache', () => {
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/var/cache/me', HOME: '/home/me' })).toBe(
      '/var/cache/me/gencove/uploads',
    );
    expect(defaultCacheDir({ XDG_CACHE_HOME: 'relative', HOME: '/home/me' })).toBe(
      '/home/me/.cache/gencove/uploads',
    );
    expect(defaultCacheDir({ HOME: '/home/me' })).toBe('/home/me/.cache/gencove/uploads');
  });
});
