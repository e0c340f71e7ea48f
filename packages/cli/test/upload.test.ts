import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Sandbox, startSandbox } from '@gencove/sandbox';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CLI_BIN, runCli, sandboxEnv } from './helpers/run-cli.js';

const MIB = 1024 * 1024;
let sandbox: Sandbox;
let dir: string;
let cache: string;
let n = 0;

beforeAll(async () => {
  sandbox = await startSandbox({ pipeline: 'manual' });
  dir = await mkdtemp(join(tmpdir(), 'gencove-cli-upload-'));
  cache = join(dir, 'xdg-cache');
});

afterAll(async () => {
  await sandbox?.close();
  await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  sandbox.control.clearFaults();
  sandbox.control.clearRequests();
});

const env = () => sandboxEnv(sandbox, { XDG_CACHE_HOME: cache });
const s3Requests = () => sandbox.control.requests.filter((r) => r.target === 's3');
const partPuts = () => s3Requests().filter((r) => r.method === 'PUT' && r.query.partNumber);

async function reads(
  sizes: Record<string, number>,
): Promise<{ root: string; content: Record<string, Buffer> }> {
  const root = join(dir, `reads-${++n}`);
  const content: Record<string, Buffer> = {};
  for (const [name, size] of Object.entries(sizes)) {
    await mkdir(join(root, name, '..'), { recursive: true });
    content[name] = randomBytes(size);
    await writeFile(join(root, name), content[name]);
  }
  return { root, content };
}

async function stored(uploadId: string): Promise<Buffer | undefined> {
  const u = sandbox.control.getUpload(uploadId)!;
  return sandbox.control.s3Object(u.bucket, u.key);
}

describe('gencove upload: input errors, before any request', () => {
  let root: string;
  beforeAll(async () => {
    ({ root } = await reads({ 'S1_R1.fastq.gz': 100, 'S1_R2.fastq.gz': 100 }));
    await mkdir(join(dir, 'no-fastq'));
    await writeFile(join(dir, 'no-fastq', 'readme.txt'), 'x');
    await symlink(join(dir, 'loop'), join(dir, 'loop')); // stat fails with ELOOP
    await mkdir(join(dir, 'broken-link'));
    await symlink(join(dir, 'gone.fastq.gz'), join(dir, 'broken-link', 'B_R1.fastq.gz'));
  });

  it.each([
    [
      'a missing source',
      () => [join(dir, 'missing'), 'gncv://x'],
      /Source .*missing does not exist/,
    ],
    ['an unreadable source', () => [join(dir, 'loop'), 'gncv://x'], /Source .*loop cannot be read/],
    [
      'an unreadable FASTQ in the folder',
      () => [join(dir, 'broken-link'), 'gncv://x'],
      /B_R1\.fastq\.gz cannot be read/,
    ],
    ['a folder without FASTQs', () => [join(dir, 'no-fastq'), 'gncv://x'], /No FASTQ files found/],
    [
      'a destination that is not gncv://',
      () => [root, 's3://bucket/x'],
      /must start with gncv:\/\//,
    ],
    [
      'an invalid project id',
      () => [root, '--run-project-id', 'plate-7'],
      /--run-project-id must be a UUID/,
    ],
    [
      'metadata that is not JSON',
      () => [root, '--run-project-id', sandbox.projects.default, '--metadata', "{'plate': 7}"],
      /--metadata is not valid JSON/,
    ],
    [
      '--metadata without --run-project-id',
      () => [root, '--metadata', '{}'],
      /only be used together with --run-project-id/,
    ],
    [
      '--output without --run-project-id',
      () => [root, '--output', 'a.json'],
      /only be used together with --run-project-id/,
    ],
    [
      '--output - with --json',
      () => [root, '--run-project-id', sandbox.projects.default, '--output', '-', '--json'],
      /cannot be combined with --json/,
    ],
    [
      'a bad --concurrency',
      () => [root, '--concurrency', '0'],
      /--concurrency must be a whole number/,
    ],
  ])('%s → exit 2', async (_name, args, message) => {
    const result = await runCli(['upload', ...args()], { env: env() });
    expect(result.stderr).toMatch(message);
    expect(result.code).toBe(2);
    expect(sandbox.control.requests).toHaveLength(0);
  });

  it('names every pre-flight problem and exits 2', async () => {
    const { root: bad } = await reads({
      'A_L001_R1.fastq.gz': 10,
      'A_L002_R1.fastq.gz': 10,
      'NOREAD.fastq.gz': 10,
      'OK_R1.fastq.gz': 10,
    });
    const result = await runCli(['upload', bad, 'gncv://bad'], { env: env() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('2 problems found (nothing was sent)');
    expect(result.stderr).toMatch(/Sample A in gncv:\/\/bad\/ has two R1 files/);
    expect(result.stderr).toMatch(/NOREAD\.fastq\.gz: no _R1 or _R2 token/);
    expect(result.stderr).toMatch(/WARNING: OK_R1\.fastq\.gz has no R2/);
    expect(sandbox.control.requests).toHaveLength(0);
  });

  it('--dry-run prints the plan and sends nothing', async () => {
    const result = await runCli(['upload', root, 'gncv://dry', '--dry-run'], { env: env() });
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toEqual([
      `file\t${join(root, 'S1_R1.fastq.gz')}\tgncv://dry/S1_R1.fastq.gz\t100`,
      `file\t${join(root, 'S1_R2.fastq.gz')}\tgncv://dry/S1_R2.fastq.gz\t100`,
      'sample\tS1\tgncv://dry/S1_R1.fastq.gz\tgncv://dry/S1_R2.fastq.gz',
      'total\t2\t200',
    ]);
    expect(result.stderr).toContain('nothing was uploaded');
    expect(sandbox.control.requests).toHaveLength(0);
  });
});

describe('gencove upload: against the sandbox', () => {
  it('uploads, assigns with metadata, writes --output, and a re-run sends nothing', async () => {
    const { root, content } = await reads({
      'S1_R1.fastq.gz': 3 * MIB,
      'S1_R2.fastq.gz': 2 * MIB,
      'plate2/S2_S3_L001_R1_001.fastq.gz': 20 * MIB + 17,
      'notes.txt': 10,
    });
    const output = join(dir, 'out', `assigned-${n}.json`);
    const args = [
      'upload',
      root,
      `gncv://plate-${n}`,
      '--run-project-id',
      sandbox.projects.default,
      '--metadata',
      '{"plate": 7}',
      '--output',
      output,
    ];
    const first = await runCli(args, { env: env() });
    expect(first.stderr).toContain(`Uploaded 3 files to gncv://plate-${n}/`);
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/WARNING: plate2\/S2_S3_L001_R1_001\.fastq\.gz has no R2/);
    expect(first.stderr).toContain('Ignored 1 file that are not FASTQ');
    const written = JSON.parse(await readFile(output, 'utf8')) as Array<{
      client_id: string;
      fastq: { r1?: { upload: string }; r2?: { upload: string } };
      sample: string;
    }>;
    expect((await readFile(output, 'utf8')).startsWith('[\n    {\n        "client_id"')).toBe(true);
    expect(written.map((s) => s.client_id).sort()).toEqual(['S1', 'S2']);
    const s2 = written.find((s) => s.client_id === 'S2')!;
    expect(Object.keys(s2.fastq)).toEqual(['r1']);
    for (const s of written) {
      const sample = sandbox.control.getSample(s.sample)!;
      expect(sample.metadata).toEqual({ plate: 7 });
      expect(sample.project).toBe(sandbox.projects.default);
    }
    const s1 = written.find((s) => s.client_id === 'S1')!;
    expect((await stored(s1.fastq.r1!.upload))?.equals(content['S1_R1.fastq.gz']!)).toBe(true);
    expect((await stored(s1.fastq.r2!.upload))?.equals(content['S1_R2.fastq.gz']!)).toBe(true);
    expect(
      (await stored(s2.fastq.r1!.upload))?.equals(content['plate2/S2_S3_L001_R1_001.fastq.gz']!),
    ).toBe(true);

    sandbox.control.clearRequests();
    const again = await runCli(
      [...args, '--json'].filter((a) => a !== '--output' && a !== output),
      {
        env: env(),
      },
    );
    expect(again.code).toBe(0);
    expect(s3Requests()).toHaveLength(0);
    const lines = again.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string });
    expect(lines.filter((l) => l.type === 'file-skipped')).toHaveLength(3);
    const result = lines.at(-1) as {
      type: string;
      bytesSent: number;
      assigned: Array<{ sample: string }>;
    };
    expect(result.type).toBe('result');
    expect(result.bytesSent).toBe(0);
    expect(result.assigned.map((s) => s.sample).sort()).toEqual(
      written.map((s) => s.sample).sort(),
    );
  }, 60_000);

  it('generates and prints a destination when none is given', async () => {
    const { root } = await reads({ 'G_R1.fastq.gz': 1000, 'G_R2.fastq.gz': 1000 });
    const result = await runCli(['upload', root, '--no-progress'], { env: env() });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/Destination: gncv:\/\/cli-\d{14}-[0-9a-f]{32}\//);
    expect(result.stderr).not.toMatch(/started|done/);
  });

  it('a path taken by a deleted upload → the server message and exit 1, nothing sent', async () => {
    const { root } = await reads({ 'D_R1.fastq.gz': 1000 });
    const destination = `gncv://deleted-${n}`;
    const first = await runCli(['upload', root, destination, '--json'], { env: env() });
    const result = JSON.parse(first.stdout.trim().split('\n').at(-1)!) as {
      files: Array<{ uploadId: string }>;
    };
    sandbox.control.deleteUpload(result.files[0]!.uploadId);
    sandbox.control.clearRequests();
    const again = await runCli(['upload', root, destination], { env: env() });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/ERROR: [\s\S]*belongs to an upload that was deleted/);
    expect(s3Requests()).toHaveLength(0);
  });

  it('an inaccessible project → exit 4 before any upload', async () => {
    const { root } = await reads({ 'P_R1.fastq.gz': 1000 });
    const result = await runCli(
      ['upload', root, 'gncv://p', '--run-project-id', sandbox.projects.other],
      {
        env: env(),
      },
    );
    expect(result.code).toBe(4);
    expect(result.stderr).toContain(
      `Project ${sandbox.projects.other} does not exist or is not accessible`,
    );
    expect(
      sandbox.control.requests.filter((r) => r.path.startsWith('/api/v2/uploads-post-data')),
    ).toHaveLength(0);
  });

  it('hands a URL map file to the URL import', async () => {
    const map = join(dir, 'urls.fastq-map.csv');
    await writeFile(
      map,
      'client_id,r_notation,path\nU1,R1,https://reads.example.test/U1_R1.fastq.gz\nU1,R2,https://reads.example.test/U1_R2.fastq.gz\n',
    );
    const result = await runCli(['upload', map, 'gncv://urls'], { env: env() });
    expect(result.code).toBe(0);
    expect(
      sandbox.control.requests.filter((r) => r.path.startsWith('/api/v2/uploads-url')),
    ).toHaveLength(2);
    expect(s3Requests()).toHaveLength(0);
  });

  it('resumes a killed upload, re-sending only the parts that were not finished', async () => {
    const { root, content } = await reads({ 'BIG_R1.fastq.gz': 6 * 8 * MIB - 12345 });
    const killCache = join(dir, 'kill-cache');
    const destination = `gncv://kill-${n}`;
    sandbox.control.addFault({
      match: { target: 's3', method: 'PUT' },
      times: Number.POSITIVE_INFINITY,
      fault: { type: 'delay', ms: 300 },
    });
    const args = ['upload', root, destination, '--concurrency', '1', '--json'];
    const child = spawn(process.execPath, [CLI_BIN, ...args], {
      env: sandboxEnv(sandbox, { XDG_CACHE_HOME: killCache }),
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const journalDir = join(killCache, 'gencove', 'uploads');
    const partLines = async () => {
      const files = await readdir(journalDir).catch(() => [] as string[]);
      const journal = files.find((f) => f.endsWith('.ndjson'));
      if (!journal) return 0;
      return (await readFile(join(journalDir, journal), 'utf8')).trim().split('\n').length - 1;
    };
    while ((await partLines()) < 2) await sleep(25);
    child.kill('SIGKILL');
    await exited;
    const journaled = await partLines();
    expect(journaled).toBeGreaterThanOrEqual(2);
    expect(journaled).toBeLessThan(6);

    sandbox.control.clearFaults();
    sandbox.control.clearRequests();
    const resumed = await runCli(args, { env: sandboxEnv(sandbox, { XDG_CACHE_HOME: killCache }) });
    expect(resumed.code).toBe(0);
    expect(partPuts()).toHaveLength(6 - journaled);
    const events = resumed.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.find((e) => e.type === 'file-start')).toMatchObject({
      resumedBytes: journaled * 8 * MIB,
    });
    const result = events.at(-1) as {
      files: Array<{ uploadId: string; outcome: string; bytesSent: number }>;
    };
    expect(result.files[0]).toMatchObject({
      outcome: 'resumed',
      bytesSent: 6 * 8 * MIB - 12345 - journaled * 8 * MIB,
    });
    expect((await stored(result.files[0]!.uploadId))?.equals(content['BIG_R1.fastq.gz']!)).toBe(
      true,
    );
    expect(await readdir(journalDir)).toEqual([]);
  }, 90_000);
});
