/**
 * `gencove download`, `samples download-file` and `projects restore-samples`: the built bin
 * against the sandbox (and a second s3rver for delivery), as a user or a cron job runs them.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { type Sandbox, startSandbox } from '@gencove/sandbox';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  addSamples,
  api,
  type Json,
  ndjson,
  projectWithSamples,
  runCliBytes,
  sha256,
} from './download-helpers.js';
import { CLI_BIN, runCli, sandboxEnv } from './helpers/run-cli.js';

let sb: Sandbox;
let projectId: string;
let ids: Record<string, string>;
let root: string;
let sample: Json;

const env = (extra: NodeJS.ProcessEnv = {}) => sandboxEnv(sb, extra);
const cli = (args: string[], extra: NodeJS.ProcessEnv = {}) => runCli(args, { env: env(extra) });
let dirCount = 0;
const dir = () => join(root, `d${++dirCount}`);

async function listFiles(base: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string, prefix: string) => {
    const entries = await readdir(d, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const rel = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(join(d, e.name), rel);
      else out.push(rel);
    }
  };
  await walk(base, '');
  return out.sort();
}

const fileOf = (type: string) => sample.files.find((f: Json) => f.file_type === type);
const nameOf = (type: string) =>
  new URL(fileOf(type).download_url).searchParams
    .get('response-content-disposition')!
    .split('filename=')[1]!;

async function stored(sampleId: string, fileType: string): Promise<Buffer> {
  const f = sb.control.getSample(sampleId)!.files.find((x) => x.file_type === fileType)!;
  return (await sb.control.s3Object(f.bucket, f.key))!;
}

beforeAll(async () => {
  sb = await startSandbox({ pipeline: 'instant', downloadUrlTtlSeconds: 2 });
  ({ projectId, ids } = await projectWithSamples(sb, 'cli-dl', {
    C01: 3 * 1024 * 1024,
    C02: 4096,
  }));
  root = await mkdtemp(join(tmpdir(), 'gencove-cli-dl-'));
  const res = await fetch(`${sb.url}/api/v2/samples/${ids.C01}`, {
    headers: { authorization: `Api-Key ${sb.apiKey}` },
  });
  sample = await res.json();
});
afterEach(() => {
  sb.control.clearFaults();
  sb.control.corruptDownloads(false);
  sb.control.setHostileFilenames(false);
});
afterAll(async () => {
  await sb?.close();
  await rm(root, { recursive: true, force: true });
});

describe('gencove download DESTINATION', () => {
  it('delivers a project, then skips it all on a re-run', async () => {
    const dest = dir();
    const first = await cli(['download', dest, '--project-id', projectId]);
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/Processed 2 samples, \d+ files → .*: \d+ downloaded/);
    // QC JSON is made on the fly: its size is not known when it starts (no "(0 B)")
    expect(first.stderr).toMatch(/ {2}started \S+_qc\.json\n/);
    const files = await listFiles(dest);
    expect(files).toContain(`C01/${ids.C01}/${nameOf('impute-vcf')}`);
    expect(files).toContain(`C01/${ids.C01}/${ids.C01}_qc.json`);
    for (const type of ['impute-vcf', 'fastq-r1', 'alignment-bam']) {
      const bytes = await readFile(join(dest, 'C01', ids.C01!, nameOf(type)));
      expect(bytes.equals(await stored(ids.C01!, type))).toBe(true);
    }
    // the official flag spelled out: the default
    const again = await cli([
      'download',
      dest,
      '--project-id',
      projectId,
      '--skip-existing',
      '--json',
    ]);
    expect(again.code).toBe(0);
    const result = ndjson(again.stdout).at(-1);
    expect(result.type).toBe('result');
    expect(result.totals).toMatchObject({ downloaded: 0, failed: 0, fetchedBytes: 0 });
    expect(result.totals.skipped).toBe(files.length);
  });

  it('bad input exits 2 before any request', async () => {
    sb.control.clearRequests();
    const cases: Array<[string[], RegExp]> = [
      [['download', dir()], /exactly one of --project-id and --sample-ids/],
      [['download', dir(), '--project-id', projectId, '--sample-ids', ids.C01!], /exactly one/],
      [['download', dir(), '--sample-ids', 'C01'], /--sample-ids must be a UUID/],
      [
        [
          'download',
          dir(),
          '--project-id',
          projectId,
          '--download-template',
          '../{default_filename}',
        ],
        /--download-template/,
      ],
      [
        ['download', dir(), '--project-id', projectId, '--download-template', '{sample}'],
        /unknown placeholder \{sample\}/,
      ],
      [['download', '-', '--project-id', projectId, '--json'], /cannot be combined with --json/],
      [
        ['download', dir(), '--project-id', projectId, '--endpoint-url', 'http://127.0.0.1:1'],
        /apply to an s3:/,
      ],
      [['download', dir(), '--project-id', projectId, '--region', 'eu-west-1'], /apply to an s3:/],
      [
        ['download', dir(), '--project-id', projectId, '--restore', '--restore-timeout', 'soon'],
        /--restore-timeout/,
      ],
      [
        ['download', dir(), '--project-id', projectId, '--status', 'done'],
        /--status must be one of/,
      ],
      [['download', dir(), '--project-id', projectId, '--restore', '--skip-archived'], /not both/],
      [['download', dir(), '--project-id', projectId, '--since', '2026-1-5'], /--since must be/],
      // impossible dates: never "no lower bound"
      [['download', dir(), '--project-id', projectId, '--since', '2026-13-45'], /--since is not/],
      [['download', dir(), '--project-id', projectId, '--since', '2026-02-30'], /--since is not/],
      [
        ['download', dir(), '--project-id', projectId, '--since', '2026-01-05T25:00:00Z'],
        /--since is not a valid date and time; got "2026-01-05T25:00:00Z"/,
      ],
      [
        ['download', dir(), '--project-id', projectId, '--restore-timeout', 'x'],
        /--restore-timeout/,
      ],
      [['download', dir(), '--project-id', projectId, '--concurrency', '0'], /--concurrency/],
      [['download', dir(), '--project-id', projectId, '--parallel-files', 'x'], /--parallel-files/],
      [
        ['download', join(root, 'a-file'), '--project-id', projectId],
        /exists and is not a directory/,
      ],
      [['download', join(root, 'a-file', 'sub'), '--project-id', projectId], /is not a directory/],
      [
        ['download', dir(), '--project-id', projectId, '--since', join(root, 'a-file', 's.json')],
        /state file .* could not be written: .*a-file is not a directory/,
      ],
      [['download', root, '--project-id', projectId, '--download-urls'], /is a directory/],
    ];
    await writeFile(join(root, 'a-file'), 'x');
    for (const [args, message] of cases) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    expect(sb.control.requests).toEqual([]);
  });

  it('transfer flags: template, --no-skip-existing, --verify-existing, limits, --no-verify, plain progress', async () => {
    const dest = dir();
    const base = [
      'download',
      dest,
      '--sample-ids',
      ids.C01!,
      '--file-types',
      'impute-vcf,fastq-r1',
    ];
    const first = await cli([
      ...base,
      '--download-template',
      '{file_type}/{client_id}.{file_extension}',
      '--concurrency',
      '2',
      '--parallel-files',
      '1',
    ]);
    expect(first.code).toBe(0);
    expect(await listFiles(dest)).toEqual([
      'fastq-r1/C01.fastq.gz',
      'impute-vcf/C01.impute.vcf.gz',
    ]);
    // not a terminal: plain progress lines on stderr
    expect(first.stderr).toContain('Downloading 2 files');
    expect(first.stderr).toMatch(/done .*C01\.impute\.vcf\.gz/);
    const vcf = join(dest, 'impute-vcf/C01.impute.vcf.gz');
    const good = await readFile(vcf);
    const bad = Buffer.from(good);
    bad[20] = bad[20]! ^ 1;
    await writeFile(vcf, bad);
    const template = ['--download-template', '{file_type}/{client_id}.{file_extension}'];
    const sameSize = await cli([...base, ...template, '--json']);
    expect(ndjson(sameSize.stdout).at(-1).totals.skipped).toBe(2);
    const verified = await cli([...base, ...template, '--verify-existing', '--json']);
    const files = ndjson(verified.stdout).at(-1).files;
    expect(files.find((f: Json) => f.fileType === 'impute-vcf').outcome).toBe('downloaded');
    expect(files.find((f: Json) => f.fileType === 'fastq-r1').outcome).toBe('skipped');
    expect((await readFile(vcf)).equals(good)).toBe(true);
    const again = await cli([
      ...base,
      ...template,
      '--no-skip-existing',
      '--no-verify',
      '--parallel-files',
      '1',
      '--json',
    ]);
    // --parallel-files 1: each file is done before the next one starts
    const order = ndjson(again.stdout)
      .filter((e: Json) => e.type === 'file-start' || e.type === 'file-done')
      .map((e: Json) => e.type);
    expect(order).toEqual(['file-start', 'file-done', 'file-start', 'file-done']);
    const all = ndjson(again.stdout).at(-1).files;
    expect(all.map((f: Json) => [f.outcome, f.verified, f.sha256])).toEqual([
      ['downloaded', false, undefined],
      ['downloaded', false, undefined],
    ]);
    const silent = await cli([...base, ...template, '--no-progress']);
    expect(silent.stderr).not.toContain('Downloading 2 files');
  });

  it('--download-urls with nothing selected prints [] and warns, like a download would', async () => {
    const empty = (await api(sb, 'POST', '/api/v2/projects/', { name: 'cli-dl-empty' })).id;
    const r = await cli(['download', '-', '--project-id', empty, '--download-urls']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('[]\n');
    expect(r.stderr).toContain('WARNING: No files were found');
  });

  it('--download-urls writes the spec §9.8 JSON (4-space indent) to stdout or a file', async () => {
    const r = await cli([
      'download',
      '-',
      '--sample-ids',
      ids.C01!,
      '--download-urls',
      '--file-types',
      'impute-vcf,impute-tbi',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith('[\n    {\n        "gencove_id": ')).toBe(true);
    const [entry] = JSON.parse(r.stdout);
    expect(Object.keys(entry)).toEqual([
      'gencove_id',
      'client_id',
      'last_status',
      'archive_last_status',
      'files',
    ]);
    expect(Object.keys(entry.last_status)).toEqual(['id', 'status', 'created']);
    expect(entry.last_status.created).toMatch(/^\d{4}-\d{2}-\d{2}T[\d:.]+\+00:00$/);
    expect(Object.keys(entry.archive_last_status)).toEqual([
      'id',
      'status',
      'created',
      'transition_cutoff',
    ]);
    expect(Object.keys(entry.files).sort()).toEqual(['impute-tbi', 'impute-vcf']);
    expect(Object.keys(entry.files['impute-vcf'])).toEqual([
      'id',
      'download_url',
      'checksum_sha256',
    ]);
    expect(entry.files['impute-vcf'].checksum_sha256).toBe(fileOf('impute-vcf').checksum_sha256);
    const out = join(dir(), 'nested', 'urls.json');
    const toFile = await cli(['download', out, '--project-id', projectId, '--download-urls']);
    expect(toFile.code).toBe(0);
    expect(
      JSON.parse(await readFile(out, 'utf8'))
        .map((e: Json) => e.client_id)
        .sort(),
    ).toEqual(['C01', 'C02']);
    // --json reports what was written without copying the presigned URLs to stdout
    const quiet = await cli([
      'download',
      join(dir(), 'urls.json'),
      '--sample-ids',
      ids.C01!,
      '--download-urls',
      '--file-types',
      'impute-vcf',
      '--json',
    ]);
    expect(quiet.code).toBe(0);
    expect(ndjson(quiet.stdout).at(-1)).toMatchObject({
      type: 'result',
      samples: [{ gencove_id: ids.C01, client_id: 'C01', fileTypes: ['impute-vcf'] }],
    });
    expect(quiet.stdout + quiet.stderr).not.toMatch(
      /X-Amz-(Signature|Credential)|SANDBOXPRESIGNED/,
    );
  });

  it('"-" streams exactly one file to stdout, byte for byte', async () => {
    const r = await runCliBytes(
      ['download', '-', '--sample-ids', ids.C01!, '--file-types', 'fastq-r1', '--no-progress'],
      env(),
    );
    expect(r.code).toBe(0);
    expect(r.stdout.equals(await stored(ids.C01!, 'fastq-r1'))).toBe(true);
    const many = await cli(['download', '-', '--sample-ids', ids.C01!]);
    expect(many.code).toBe(2);
    expect(many.stderr).toContain('exactly one file');
  });

  it('"-" into a reader that stops early (| head) ends quietly with exit 0', async () => {
    const gencove = `"${process.execPath}" "${CLI_BIN}"`;
    for (const command of [
      `download - --sample-ids ${ids.C01} --file-types fastq-r1 --no-progress`,
      `samples download-file ${ids.C01} fastq-r1 -`,
    ]) {
      // 3 MiB into a pipe whose reader leaves after 100 bytes: the writer meets EPIPE
      const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
        (resolve) => {
          execFile(
            'bash',
            ['-c', `set -o pipefail; ${gencove} ${command} | head -c 100 | wc -c`],
            { env: env() },
            (error, stdout, stderr) =>
              resolve({ code: error ? (error.code as number) : 0, stdout, stderr }),
          );
        },
      );
      expect(r.stderr, command).not.toMatch(/ERROR|EPIPE/);
      expect(r.code, command).toBe(0);
      expect(r.stdout.trim()).toBe('100');
    }
  });

  it('Ctrl-C stops the transfer cleanly: exit 130, a hint to re-run, no stack trace', async () => {
    const file = fileOf('fastq-r1');
    sb.control.addFault({
      match: { target: 's3', method: 'GET', path: new URL(file.download_url).pathname },
      fault: { type: 'delay', ms: 20_000 },
      times: 1,
    });
    const started = Date.now();
    const r = await runCli(
      ['download', dir(), '--sample-ids', ids.C01!, '--file-types', 'fastq-r1'],
      { env: env(), killWhen: (stderr) => stderr.includes('started'), killSignal: 'SIGINT' },
    );
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('Re-run the same command');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(Date.now() - started).toBeLessThan(15_000); // did not wait for the delayed answer
    // --json: the same words, as the error object's message
    sb.control.addFault({
      match: { target: 's3', method: 'GET', path: new URL(file.download_url).pathname },
      fault: { type: 'delay', ms: 20_000 },
      times: 1,
    });
    const j = await runCli(
      ['download', dir(), '--sample-ids', ids.C01!, '--file-types', 'fastq-r1', '--json'],
      {
        env: env(),
        killWhen: (_stderr, stdout) => stdout.includes('"file-start"'),
        killSignal: 'SIGINT',
      },
    );
    expect(j.code).toBe(130);
    // SIGTERM (a cancelled CI job): the same clean stop, exit 143
    sb.control.addFault({
      match: { target: 's3', method: 'GET', path: new URL(file.download_url).pathname },
      fault: { type: 'delay', ms: 20_000 },
      times: 1,
    });
    const t = await runCli(
      ['download', dir(), '--sample-ids', ids.C01!, '--file-types', 'fastq-r1'],
      { env: env(), killWhen: (stderr) => stderr.includes('started'), killSignal: 'SIGTERM' },
    );
    expect(t.code).toBe(143);
    expect(t.stderr).toContain('Re-run the same command');
    expect(JSON.parse(j.stderr.trim().split('\n').at(-1)!)).toEqual({
      error: {
        code: 'ERR_GENCOVE_ABORTED',
        message: 'Interrupted. Re-run the same command to go on where it stopped.',
        exitCode: 130,
      },
    });
  });

  it('a checksum mismatch exits 6 and leaves no file behind', async () => {
    sb.control.corruptDownloads(true);
    const dest = dir();
    const r = await cli(['download', dest, '--sample-ids', ids.C01!, '--file-types', 'impute-vcf']);
    expect(r.code).toBe(6);
    expect(r.stderr).toContain('Checksum mismatch');
    expect(r.stderr).toContain(fileOf('impute-vcf').checksum_sha256);
    // plain progress tells the two attempts apart
    expect(r.stderr).toMatch(/sha256 mismatch on .* \(attempt 1\); fetching it again/);
    expect(r.stderr).toMatch(/sha256 mismatch on .* \(attempt 2\); giving up/);
    expect(await listFiles(dest)).toEqual([]);
  });

  it('hostile server file names fail the files (exit 1) and nothing lands outside DESTINATION', async () => {
    sb.control.setHostileFilenames(true);
    const base = dir();
    const dest = join(base, 'x', 'y');
    const r = await cli(['download', dest, '--sample-ids', ids.C02!, '--no-progress']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('path separator');
    expect((await listFiles(base)).every((f) => f.startsWith('x/y/C02/'))).toBe(true);
  });

  it('a body cut off halfway is resumed with Range; the JSON result shows no byte fetched twice', async () => {
    const path = new URL(fileOf('fastq-r1').download_url).pathname;
    sb.control.addFault({
      match: { target: 's3', method: 'GET', path },
      fault: { type: 'truncate' },
    });
    const dest = dir();
    const r = await cli([
      'download',
      dest,
      '--sample-ids',
      ids.C01!,
      '--file-types',
      'fastq-r1',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const events = ndjson(r.stdout);
    expect(events.some((e) => e.type === 'file-retry' && e.offset > 0)).toBe(true);
    const result = events.at(-1);
    expect(result.totals.fetchedBytes).toBe(fileOf('fastq-r1').size);
    expect(r.stdout + r.stderr).not.toMatch(/X-Amz-(Signature|Credential)|SANDBOXPRESIGNED/);
    expect(
      (await readFile(result.files[0].target)).equals(await stored(ids.C01!, 'fastq-r1')),
    ).toBe(true);
  });

  it('presigned URLs that expire (2 s) while a request waits are refreshed from the API', async () => {
    const path = new URL(fileOf('impute-vcf').download_url).pathname;
    sb.control.addFault({
      match: { target: 's3', method: 'GET', path },
      fault: { type: 'delay', ms: 2500 },
    });
    const r = await cli([
      'download',
      dir(),
      '--sample-ids',
      ids.C01!,
      '--file-types',
      'impute-vcf',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const events = ndjson(r.stdout);
    expect(events.filter((e) => e.type === 'url-refresh').length).toBe(1);
    expect(events.at(-1).files[0]).toMatchObject({ outcome: 'downloaded', verified: true });
    // presigned-URL signatures never reach events, results or messages
    expect(r.stdout + r.stderr).not.toMatch(/X-Amz-(Signature|Credential)|SANDBOXPRESIGNED/);
  });

  it('--checksums writes sha256sum sidecars that verify', async () => {
    const dest = dir();
    const r = await cli([
      'download',
      dest,
      '--sample-ids',
      ids.C01!,
      '--file-types',
      'impute-vcf',
      '--checksums',
    ]);
    expect(r.code).toBe(0);
    const path = join(dest, 'C01', ids.C01!, nameOf('impute-vcf'));
    const line = await readFile(`${path}.sha256`, 'utf8');
    expect(line).toBe(`${sha256(await readFile(path))} *${nameOf('impute-vcf')}\n`);
  });

  it('FASTQs have no API checksum: three named, the rest counted in one line', async () => {
    const { projectId: plate, ids: plateIds } = await projectWithSamples(sb, 'no-sha', {
      Q1: 1024,
      Q2: 1024,
      Q3: 1024,
      Q4: 1024,
    });
    const dest = dir();
    const r = await cli([
      'download',
      dest,
      '--project-id',
      plate,
      '--file-types',
      'fastq-r1',
      '--checksums',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.match(/WARNING: The API has no checksum for /g)).toHaveLength(3);
    expect(r.stderr).toContain('WARNING: 1 more file had no checksum from the API');
    expect(r.stderr).toMatch(/4 downloaded \(.* fetched; 4 not checked: no sha256 from the API/);
    // the sidecars hold what was computed while streaming
    const name = `${plateIds.Q4}_R1.fastq.gz`;
    const path = join(dest, 'Q4', plateIds.Q4!, name);
    expect(await readFile(`${path}.sha256`, 'utf8')).toBe(
      `${sha256(await readFile(path))} *${name}\n`,
    );
  });

  it('--since with a state file: a nightly job fetches only what finished since the last run', async () => {
    const { projectId: nightly } = await projectWithSamples(sb, 'nightly-1', { N01: 2048 });
    const dest = dir();
    const state = join(root, 'nightly-state.json');
    const args = [
      'download',
      dest,
      '--project-id',
      nightly,
      '--file-types',
      'ancestry-json',
      '--since',
      state,
      '--json',
    ];
    const first = await cli(args);
    expect(first.code).toBe(0);
    const firstResult = ndjson(first.stdout).at(-1);
    expect(firstResult.files.map((f: Json) => f.clientId)).toEqual(['N01']);
    expect(JSON.parse(await readFile(state, 'utf8')).highWaterMark).toBe(firstResult.highWaterMark);
    await new Promise((r) => setTimeout(r, 5));
    await addSamples(sb, nightly, 'nightly-2', { N02: 2048 });
    const second = await cli(args);
    expect(second.code).toBe(0);
    const files = ndjson(second.stdout).at(-1).files;
    expect(
      files.filter((f: Json) => f.outcome === 'downloaded').map((f: Json) => f.clientId),
    ).toEqual(['N02']);
    expect(files.filter((f: Json) => f.outcome === 'skipped').map((f: Json) => f.clientId)).toEqual(
      ['N01'],
    );
    const third = await cli([
      'download',
      dest,
      '--project-id',
      nightly,
      '--since',
      '1h',
      '--json',
      '--file-types',
      'ancestry-json',
    ]);
    expect(ndjson(third.stdout).at(-1).totals.files).toBe(2);
  });

  it('archived samples: a clear error by default, --skip-archived goes on, --restore waits then downloads', async () => {
    const dest = dir();
    const args = [
      'download',
      dest,
      '--project-id',
      sb.projects.default,
      '--file-types',
      'ancestry-json',
      '--no-progress',
    ];
    const refused = await cli(args);
    expect(refused.code).toBe(13);
    expect(refused.stderr).toContain('SEED-A04');
    expect(refused.stderr).toContain('--restore');
    expect(await listFiles(dest)).toEqual([]);
    const skipped = await cli([...args, '--skip-archived']);
    expect(skipped.code).toBe(0);
    expect(skipped.stderr).toContain('WARNING: Skipped 1 archived sample');
    const restored = await runCliBytes([...args, '--restore'], env(), (stderr) => {
      if (stderr.includes('Requested the restore')) void sb.control.completeRestores();
    });
    expect(restored.code).toBe(0);
    expect((await listFiles(dest)).map((f) => f.split('/')[0])).toEqual(['SEED-A01', 'SEED-A04']);
  });
});

describe('download --restore when the restore takes longer than --restore-timeout', () => {
  it('exits 12 naming the pending restore, downloads nothing; a later run completes it', async () => {
    // restores in a manual sandbox complete only when the test says so
    const slow = await startSandbox({ pipeline: 'manual' });
    try {
      const dest = dir();
      const args = [
        'download',
        dest,
        '--project-id',
        slow.projects.default,
        '--file-types',
        'ancestry-json',
        '--no-progress',
        '--restore',
        '--restore-timeout',
        '1s',
      ];
      const timedOut = await runCli(args, { env: sandboxEnv(slow) });
      expect(timedOut.code, timedOut.stderr).toBe(12);
      expect(timedOut.stderr).toMatch(/1 sample restore has not completed in time/);
      expect(await listFiles(dest)).toEqual([]);
      await slow.control.completeRestores();
      const later = await runCli(args, { env: sandboxEnv(slow) });
      expect(later.code, later.stderr).toBe(0);
      expect((await listFiles(dest)).map((f) => f.split('/')[0])).toEqual(['SEED-A01', 'SEED-A04']);
    } finally {
      await slow.close();
    }
  });
});

describe('delivery to s3://', () => {
  let lab: {
    run(): Promise<{ port: number }>;
    close(): Promise<void>;
    httpServer?: { closeAllConnections(): void };
  };
  let endpoint: string;
  let labDir: string;
  beforeAll(async () => {
    labDir = await mkdtemp(join(tmpdir(), 'gencove-cli-lab-'));
    const { default: S3rver } = (await import('s3rver' as string)) as {
      default: new (o: object) => typeof lab;
    };
    lab = new S3rver({
      address: '127.0.0.1',
      port: 0,
      silent: true,
      directory: labDir,
      configureBuckets: [{ name: 'lab' }],
    });
    endpoint = `http://127.0.0.1:${(await lab.run()).port}`;
  });
  afterAll(async () => {
    lab?.httpServer?.closeAllConnections();
    await lab?.close();
    await rm(labDir, { recursive: true, force: true });
  });

  it('streams into the bucket with the default AWS credential chain, then skips on a re-run', async () => {
    const aws = {
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_REGION: 'us-east-1',
    };
    const args = [
      'download',
      's3://lab/results',
      '--project-id',
      projectId,
      '--endpoint-url',
      endpoint,
      '--json',
    ];
    const first = await cli(args, aws);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toBe('');
    const s3 = new S3Client({
      endpoint,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    const key = `results/C01/${ids.C01}/${nameOf('impute-vcf')}`;
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'lab', Key: key }));
    expect(head.Metadata?.sha256).toBe(fileOf('impute-vcf').checksum_sha256);
    const body = await s3.send(
      new GetObjectCommand({ Bucket: 'lab', Key: `results/C01/${ids.C01}/${nameOf('fastq-r1')}` }),
    );
    expect(
      Buffer.from(await body.Body!.transformToByteArray()).equals(
        await stored(ids.C01!, 'fastq-r1'),
      ),
    ).toBe(true);
    s3.destroy();
    sb.control.clearRequests();
    const again = await cli(args, aws);
    expect(again.code).toBe(0);
    expect(ndjson(again.stdout).at(-1).totals).toMatchObject({ downloaded: 0, failed: 0 });
    expect(sb.control.requests.filter((r) => r.target === 's3')).toEqual([]);
    const noCreds = await cli(args, { AWS_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true' });
    expect(noCreds.code).not.toBe(0);
  });
});

describe('gencove samples download-file', () => {
  it('writes a deliverable (verified) and its .sha256; qc and metadata JSON; stdout', async () => {
    const out = join(dir(), 'one.vcf.gz');
    const r = await cli(['samples', 'download-file', ids.C01!, 'impute-vcf', out, '--checksum']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('sha256 verified');
    expect(sha256(await readFile(out))).toBe(fileOf('impute-vcf').checksum_sha256);
    expect(await readFile(`${out}.sha256`, 'utf8')).toBe(
      `${fileOf('impute-vcf').checksum_sha256} *${out}\n`,
    );
    const meta = await runCliBytes(['samples', 'download-file', ids.C01!, 'metadata', '-'], env());
    expect(meta.stdout.toString()).toBe('{"metadata": {"run": "cli-dl"}}');
    expect(meta.stderr).toBe(''); // no transfer, so no progress line either
    const qc = await runCliBytes(['samples', 'download-file', ids.C01!, 'qc', '-'], env());
    expect(qc.stdout.toString().startsWith('[{"quality_control_type": {"key": ')).toBe(true);
    const fq = await runCliBytes(
      ['samples', 'download-file', ids.C01!, 'fastq-r1', '/dev/stdout', '--no-progress'],
      env(),
    );
    expect(fq.stdout.equals(await stored(ids.C01!, 'fastq-r1'))).toBe(true);
    const asJson = await cli([
      'samples',
      'download-file',
      ids.C01!,
      'impute-vcf',
      join(dir(), 'two.vcf.gz'),
      '--json',
    ]);
    expect(asJson.code, asJson.stderr).toBe(0);
    expect(JSON.parse(asJson.stdout)).toMatchObject({
      sampleId: ids.C01,
      fileType: 'impute-vcf',
      outcome: 'downloaded',
      verified: true,
      sha256: fileOf('impute-vcf').checksum_sha256,
    });
    const jsonToStdout = await cli(['samples', 'download-file', ids.C01!, 'qc', '-', '--json']);
    expect(jsonToStdout.code).toBe(2);
    expect(jsonToStdout.stderr).toContain('--json cannot be combined');
  });

  it('explains a wrong file type, a directory destination and an unknown sample', async () => {
    const wrong = await cli(['samples', 'download-file', ids.C01!, 'cram', join(dir(), 'x')]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/valid file types: .*impute-vcf.*qc, metadata/);
    const d = dir();
    await writeFile(join(root, 'marker'), '');
    const isDir = await cli(['samples', 'download-file', ids.C01!, 'impute-vcf', root]);
    expect(isDir.code).toBe(2);
    expect(isDir.stderr).toContain('is a directory');
    const unknown = await cli([
      'samples',
      'download-file',
      '00000000-0000-4000-8000-000000000000',
      'qc',
      join(d, 'q'),
    ]);
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toContain('not a client id');
    expect((await stat(root)).isDirectory()).toBe(true);
    const { ids: archivedIds } = await projectWithSamples(sb, 'dlf-archived', { Z01: 1024 });
    sb.control.archiveSamples([archivedIds.Z01!]);
    const archived = await cli(['samples', 'download-file', archivedIds.Z01!, 'qc', join(d, 'a')]);
    expect(archived.code).toBe(13);
    // only the way out this command has: no --restore / --skip-archived here
    expect(archived.stderr).toMatch(/gencove projects restore-samples \S+ --sample-ids \S+ --wait/);
    expect(archived.stderr).not.toMatch(/--restore |--skip-archived/);
  });

  it('--checksum for a file the API has no checksum for: the computed sha256, a warning, exit 0', async () => {
    const out = join(dir(), 'r1.fastq.gz');
    const r = await cli(['samples', 'download-file', ids.C01!, 'fastq-r1', out, '--checksum']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('WARNING: The API has no checksum');
    const bytes = await stored(ids.C01!, 'fastq-r1');
    expect(await readFile(`${out}.sha256`, 'utf8')).toBe(`${sha256(bytes)} *${out}\n`);
    const device = await cli([
      'samples',
      'download-file',
      ids.C01!,
      'impute-vcf',
      '/dev/null',
      '--checksum',
      '--no-progress',
    ]);
    expect(device.code, device.stderr).toBe(0);
    expect(device.stderr).toContain('WARNING: /dev/null is a device or pipe');
  });
});

describe('gencove projects restore-samples', () => {
  it('requests a restore, and with --wait returns once it completed', async () => {
    const { projectId: project, ids: archivedIds } = await projectWithSamples(sb, 'to-restore', {
      R01: 1024,
      R02: 1024,
    });
    sb.control.archiveSamples([archivedIds.R01!, archivedIds.R02!]);
    const r = await cli(['projects', 'restore-samples', project, '--sample-ids', archivedIds.R01!]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('Requested the restore of 1 sample');
    // the instant sandbox pipeline may complete a restore at once
    expect(sb.control.getSample(archivedIds.R01!)!.archive_last_status.status).toMatch(
      /^restore(_requested|d)$/,
    );
    expect(sb.control.getSample(archivedIds.R02!)!.archive_last_status.status).toBe('archived');
    const waited = await runCliBytes(
      ['projects', 'restore-samples', project, '--wait', '--json'],
      env(),
      (stderr) => {
        if (stderr.includes('waiting')) void sb.control.completeRestores();
      },
    );
    expect(waited.code, waited.stderr).toBe(0);
    const result = ndjson(waited.stdout.toString()).at(-1);
    expect(result).toMatchObject({ type: 'result', waited: true });
    expect(result.sampleIds).toContain(archivedIds.R02);
    expect(sb.control.getSample(archivedIds.R02!)!.archive_last_status.status).toBe('restored');
  });
});
