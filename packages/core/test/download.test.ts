/**
 * The download job against the sandbox (real HTTP and S3 on 127.0.0.1): selection, naming and
 * path safety, integrity, resume, URL refresh, skip-existing, archived samples, --since.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { type Sandbox, startSandbox } from '@gencove/sandbox';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ArchivedSamplesError,
  DiskFullError,
  type DownloadEvent,
  DownloadFailedError,
  DownloadInputError,
  type DownloadOptions,
  type DownloadResult,
  downloadDeliverables,
  GencoveClient,
  InvalidArgumentError,
  type SampleDetail,
  TransferBudget,
} from '../src/index.js';
import { addSamples, countingAgent, createProject, fastq, sha256 } from './download-helpers.js';

let sb: Sandbox;
let client: GencoveClient;
let projectId: string;
let ids: Record<string, string>;
const dirs: string[] = [];

// Small parts so that the sandbox's small files exercise the ranged, parallel path too.
const tuning = {
  partSize: 64 * 1024,
  rangedThreshold: 128 * 1024,
  maxPartsPerFile: 4,
  // loopback is fast: without this the first part's rate would keep one stream
  singleStreamBytesPerSecond: Number.POSITIVE_INFINITY,
  // Background fdatasync calls interleave with the writes and the hash of every download here.
  syncEveryBytes: 16 * 1024,
};
const fastRetry = { baseDelayMs: 1, maxDelayMs: 5 };

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gencove-dl-'));
  dirs.push(dir);
  return join(dir, 'out');
}

async function listFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, prefix: string) => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(join(dir, entry.name), rel);
      else out.push(rel);
    }
  };
  await walk(root, '');
  return out.sort();
}

function start(options: Partial<DownloadOptions> & Pick<DownloadOptions, 'destination'>) {
  const events: DownloadEvent[] = [];
  const promise = downloadDeliverables(client, {
    ...(options.sampleIds ? {} : { projectId }),
    tuning,
    retry: fastRetry,
    ...options,
    onEvent: (e) => {
      events.push(e);
      options.onEvent?.(e);
    },
  });
  return { promise, events };
}

/**
 * A one-stream download of one file cut off halfway (the sandbox's truncate mode, one attempt):
 * it leaves `.part` + `.part.json` in `dest`; `options` runs the same download again.
 */
async function cutOffRun(sampleId: string, fileType: string) {
  const dest = await tempDir();
  const options = {
    destination: dest,
    sampleIds: [sampleId],
    fileTypes: [fileType],
    tuning: { rangedThreshold: Number.MAX_SAFE_INTEGER },
  };
  sb.control.truncateDownloads(true);
  await failure(start({ ...options, retry: { ...fastRetry, maxAttempts: 1 } }).promise);
  sb.control.truncateDownloads(false);
  return { dest, options };
}

async function failure(
  promise: Promise<unknown>,
): Promise<Error & { code?: string; result?: DownloadResult }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the download to fail');
}

/** The bytes the sandbox stores for a deliverable (fastq copies have no API checksum). */
async function stored(sampleId: string, fileType: string): Promise<Buffer> {
  const file = sb.control.getSample(sampleId)!.files.find((f) => f.file_type === fileType)!;
  return (await sb.control.s3Object(file.bucket, file.key))!;
}

const suggested = (url: string) =>
  new URL(url).searchParams.get('response-content-disposition')!.split('filename=')[1]!;

let a01: SampleDetail;

beforeAll(async () => {
  sb = await startSandbox({ pipeline: 'instant' });
  client = new GencoveClient({ host: sb.url, apiKey: sb.apiKey });
  projectId = await createProject(sb, 'download tests');
  ids = await addSamples(sb, projectId, 'dl-run', {
    'A01_R1.fastq.gz': fastq(700 * 1024, 'a01'),
    'A02_R1.fastq.gz': fastq(90 * 1024, 'a02'),
    'A03-FAILQC_R1.fastq.gz': fastq(50 * 1024, 'a03'),
  });
  a01 = await client.getSample(ids.A01!);
});
afterEach(() => {
  sb.control.clearFaults();
  sb.control.corruptDownloads(false);
  sb.control.truncateDownloads(false);
  sb.control.setHostileFilenames(false);
});
afterAll(async () => {
  await client?.close();
  await sb?.close();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('delivery to a directory', () => {
  it('writes every file of the succeeded samples under the default template, verified', async () => {
    const dest = await tempDir();
    const result = await start({ destination: dest }).promise;
    const files = await listFiles(dest);
    for (const f of a01.files) {
      const bytes = await readFile(join(dest, 'A01', a01.id, suggested(f.download_url!)));
      expect(bytes.equals(await stored(a01.id, f.file_type!))).toBe(true);
      if (f.checksum_sha256) expect(sha256(bytes)).toBe(f.checksum_sha256);
    }
    expect(files).toContain(`A01/${a01.id}/${a01.id}_qc.json`);
    expect(files).toContain(`A01/${a01.id}/${a01.id}_metadata.json`);
    expect(files.some((f) => f.startsWith('A02/'))).toBe(true);
    // failed qc is not selected by the default --status succeeded
    expect(files.some((f) => f.startsWith('A03-FAILQC/'))).toBe(false);
    expect(files.filter((f) => /\.part(\.json)?$/.test(f))).toEqual([]);
    expect(result.totals.failed).toBe(0);
    const withChecksum = result.files.filter((f) => f.fileId && f.fileType !== 'fastq-r1');
    expect(withChecksum.length).toBeGreaterThan(0);
    expect(withChecksum.every((f) => f.verified)).toBe(true);
    expect(result.files.find((f) => f.fileType === 'fastq-r1')).toMatchObject({ verified: false });

    const metadata = await readFile(join(dest, 'A01', a01.id, `${a01.id}_metadata.json`), 'utf8');
    expect(metadata).toBe('{"metadata":{"folder":"dl-run"}}');
    const qc = await readFile(join(dest, 'A01', a01.id, `${a01.id}_qc.json`), 'utf8');
    expect(qc.startsWith('[{"quality_control_type": {"key": ')).toBe(true);
    expect(qc).not.toContain('null');
    expect(JSON.parse(qc).length).toBeGreaterThan(0);
  });

  it('--status all / completed select the failed-qc sample too', async () => {
    const dest = await tempDir();
    await start({ destination: dest, status: 'completed', fileTypes: ['ancestry-json'] }).promise;
    expect(await listFiles(dest)).toEqual(
      ['A01', 'A02', 'A03-FAILQC'].map((c) => `${c}/${ids[c]}/${ids[c]}.ancestry.json`),
    );
  });

  it('naming template: every placeholder, in any segment', async () => {
    const dest = await tempDir();
    await start({
      destination: dest,
      sampleIds: [a01.id],
      fileTypes: ['impute-vcf', 'qc'],
      template: '{file_type}/{client_id}_{gencove_id}.{file_extension}',
    }).promise;
    expect(await listFiles(dest)).toEqual([
      `impute-vcf/A01_${a01.id}.impute.vcf.gz`,
      `qc/A01_${a01.id}.json`,
    ]);
  });

  it('rejects bad templates before any request', async () => {
    sb.control.clearRequests();
    for (const template of [
      '../{default_filename}',
      '/abs/{default_filename}',
      '{nope}',
      'a/./b',
      'a\u0000b',
    ]) {
      const error = await failure(start({ destination: await tempDir(), template }).promise);
      expect(error).toBeInstanceOf(DownloadInputError);
      expect(error.message).toContain('--download-template');
    }
    expect(sb.control.requests).toEqual([]);
  });

  it('a template that gives two files the same path fails as a bad template', async () => {
    const error = await failure(
      start({ destination: await tempDir(), sampleIds: [a01.id], template: '{client_id}.dat' })
        .promise,
    );
    expect(error).toBeInstanceOf(DownloadInputError);
    expect(error.message).toMatch(/both resolve to .*A01\.dat/);
  });

  it('hostile server file names never escape DESTINATION', async () => {
    sb.control.setHostileFilenames(true);
    const root = await tempDir();
    const dest = join(root, 'a', 'b');
    const error = await failure(start({ destination: dest, sampleIds: [a01.id] }).promise);
    expect(error).toBeInstanceOf(DownloadFailedError);
    const failed = error.result!.files.filter((f) => f.outcome === 'failed');
    expect(failed.length).toBe(a01.files.length);
    expect(failed.every((f) => f.error?.code === 'ERR_GENCOVE_UNSAFE_PATH')).toBe(true);
    expect(error.code).toBe('ERR_GENCOVE_UNSAFE_PATH');
    expect(failed[0]!.error!.message).toContain('path separator');
    // only our own qc / metadata names were written, all inside DESTINATION
    expect(await listFiles(root)).toEqual([
      `a/b/A01/${a01.id}/${a01.id}_metadata.json`,
      `a/b/A01/${a01.id}/${a01.id}_qc.json`,
    ]);
  });

  it('server names with a backslash or a control character fail those files only', async () => {
    const project = await createProject(sb, 'hostile names');
    const { H1: sampleId } = await addSamples(sb, project, 'hostile', {
      'H1_R1.fastq.gz': fastq(20 * 1024, 'h1'),
    });
    const data = fastq(20 * 1024, 'hostile-body');
    const external = async (fileType: string, key: string) => ({
      fileType,
      size: data.length,
      sha256: sha256(data),
      url: await sb.control.putExternalObject(key, data),
    });
    sb.control.addExternalFiles(sampleId!, [
      await external('alignment-bam', 'h1/..\\..\\evil.bam'),
      await external('impute-vcf', 'h2/bell\u0007.vcf.gz'),
      await external('impute-tbi', 'h3/fine.vcf.gz.tbi'),
    ]);
    const root = await tempDir();
    const dest = join(root, 'inside');
    const error = await failure(
      start({
        destination: dest,
        sampleIds: [sampleId!],
        fileTypes: ['alignment-bam', 'impute-vcf', 'impute-tbi'],
      }).promise,
    );
    const failed = error.result!.files.filter((f) => f.outcome === 'failed');
    expect(failed.map((f) => [f.fileType, f.error?.code])).toEqual(
      expect.arrayContaining([
        ['alignment-bam', 'ERR_GENCOVE_UNSAFE_PATH'],
        ['impute-vcf', 'ERR_GENCOVE_UNSAFE_PATH'],
      ]),
    );
    expect(failed).toHaveLength(2);
    expect(await listFiles(root)).toEqual([`inside/H1/${sampleId}/fine.vcf.gz.tbi`]);
  });

  it("a server file named like another one's .part or .sha256 fails, named; the other is intact", async () => {
    const project = await createProject(sb, 'side-file clash');
    const { C1: sampleId } = await addSamples(sb, project, 'clash', {
      'C1_R1.fastq.gz': fastq(20 * 1024, 'c1'),
    });
    const body = (seed: string) => fastq(200 * 1024, seed);
    const external = async (fileType: string, key: string, data: Buffer) => ({
      fileType,
      size: data.length,
      sha256: sha256(data),
      url: await sb.control.putExternalObject(key, data),
    });
    sb.control.addExternalFiles(sampleId!, [
      await external('clash-bam', 'c1/X.bam', body('bam')),
      await external('clash-bam-part', 'c2/X.bam.part', body('part')),
      await external('clash-vcf', 'c3/X.vcf', body('vcf')),
      await external('clash-vcf-sha', 'c4/X.vcf.sha256', body('sha')),
    ]);
    const dest = await tempDir();
    const error = await failure(
      start({ destination: dest, sampleIds: [sampleId!], checksums: true }).promise,
    );
    expect(error).toBeInstanceOf(DownloadFailedError);
    const failed = error.result!.files.filter((f) => f.outcome === 'failed');
    expect(failed.map((f) => f.fileType).sort()).toEqual(['clash-bam-part', 'clash-vcf-sha']);
    expect(failed.every((f) => f.error?.code === 'ERR_GENCOVE_UNSAFE_PATH')).toBe(true);
    expect(failed[0]!.error!.message).toMatch(/clashes with .*X\.(bam\.part|vcf\.sha256)/);
    const dir = join(dest, 'C1', sampleId!);
    expect((await readFile(join(dir, 'X.bam'))).equals(body('bam'))).toBe(true);
    expect(await readFile(join(dir, 'X.vcf.sha256'), 'utf8')).toBe(
      `${sha256(body('vcf'))} *X.vcf\n`,
    );
    expect((await listFiles(dest)).filter((f) => /X\.bam\.part/.test(f))).toEqual([]);
  });

  it('--sample-ids: validated before any request, de-duplicated', async () => {
    sb.control.clearRequests();
    const bad = await failure(
      start({ destination: await tempDir(), sampleIds: ['PLATE-A01'] }).promise,
    );
    expect(bad).toBeInstanceOf(InvalidArgumentError);
    expect(sb.control.requests).toEqual([]);
    const dest = await tempDir();
    const result = await start({
      destination: dest,
      sampleIds: [a01.id, a01.id.toUpperCase(), a01.id.replace(/-/g, '')],
      fileTypes: ['bam'.length ? 'alignment-bam' : ''],
    }).promise;
    expect(result.files.map((f) => f.fileType)).toEqual(['alignment-bam']);
  });

  it('--file-types: exact keys, "*" for a prefix, unknown keys listed', async () => {
    const exact = await start({
      destination: await tempDir(),
      sampleIds: [a01.id],
      fileTypes: ['impute-vcf'],
    }).promise;
    expect(exact.files.map((f) => f.fileType)).toEqual(['impute-vcf']);
    const prefix = await start({
      destination: await tempDir(),
      sampleIds: [a01.id],
      fileTypes: ['impute-*'],
    }).promise;
    expect(prefix.files.map((f) => f.fileType).sort()).toEqual(['impute-tbi', 'impute-vcf']);
    const error = await failure(
      start({ destination: await tempDir(), fileTypes: ['impute-vcf', 'vcf', 'bogus*'] }).promise,
    );
    expect(error).toBeInstanceOf(DownloadInputError);
    expect(error.message).toContain('"vcf", "bogus*"');
  });
});

describe('integrity', () => {
  it.each([
    ['one stream', tuning],
    [
      'ranged parts',
      {
        partSize: 128,
        rangedThreshold: 256,
        maxPartsPerFile: 3,
        singleStreamBytesPerSecond: Number.POSITIVE_INFINITY,
      },
    ],
  ])(
    'a corrupted body is fetched again once; a second mismatch leaves nothing behind (%s)',
    async (_, t) => {
      sb.control.corruptDownloads(true);
      const dest = await tempDir();
      const { promise, events } = start({
        destination: dest,
        sampleIds: [a01.id],
        fileTypes: ['impute-vcf'],
        tuning: t,
      });
      const error = await failure(promise);
      expect(error).toBeInstanceOf(DownloadFailedError);
      expect(error.code).toBe('ERR_GENCOVE_CHECKSUM');
      expect(error.message).toContain('Checksum mismatch');
      const mismatches = events.filter((e) => e.type === 'checksum-mismatch');
      expect(mismatches.map((e) => (e as { attempt: number }).attempt)).toEqual([1, 2]);
      expect(await listFiles(dest)).toEqual([]);
    },
  );

  it('a file --verify-existing refused is not left behind when its replacement fails too', async () => {
    const dest = await tempDir();
    const options = { destination: dest, sampleIds: [a01.id], fileTypes: ['impute-vcf'] };
    const target = (await start(options).promise).files[0]!.target;
    const bad = await readFile(target);
    bad[10] = bad[10]! ^ 0xff;
    await writeFile(target, bad); // same size, wrong sha256
    sb.control.corruptDownloads(true);
    const error = await failure(start({ ...options, verifyExisting: true }).promise);
    expect(error.code).toBe('ERR_GENCOVE_CHECKSUM');
    expect(error.message).toContain('the file was removed');
    // Kept, the refused file would pass the next size-only run as "already there".
    expect(await listFiles(dest)).toEqual([]);
    sb.control.corruptDownloads(false);
    const next = await start(options).promise;
    expect(next.files[0]).toMatchObject({ outcome: 'downloaded', verified: true });
  });

  it('with skip-existing off, a good file already there outlives two corrupt fetches', async () => {
    const dest = await tempDir();
    const options = { destination: dest, sampleIds: [a01.id], fileTypes: ['impute-vcf'] };
    const target = (await start(options).promise).files[0]!.target;
    const good = await readFile(target);
    sb.control.corruptDownloads(true);
    const error = await failure(start({ ...options, skipExisting: false }).promise);
    expect(error.code).toBe('ERR_GENCOVE_CHECKSUM');
    expect(error.message).toContain('has the expected sha256 and was kept');
    expect((await readFile(target)).equals(good)).toBe(true);
    expect((await listFiles(dest)).filter((f) => f.includes('.part'))).toEqual([]);
  });

  it('a corruption that does not repeat is repaired by the second fetch', async () => {
    sb.control.corruptDownloads(true);
    const dest = await tempDir();
    const result = await start({
      destination: dest,
      sampleIds: [a01.id],
      fileTypes: ['impute-vcf'],
      onEvent: (e) => {
        if (e.type === 'checksum-mismatch') sb.control.corruptDownloads(false);
      },
    }).promise;
    const file = result.files[0]!;
    expect(file.verified).toBe(true);
    expect((await readFile(file.target)).equals(await stored(a01.id, 'impute-vcf'))).toBe(true);
  });

  it('--checksums writes spec §11 sidecars, also for skipped files', async () => {
    const dest = await tempDir();
    const options = {
      destination: dest,
      sampleIds: [a01.id],
      fileTypes: ['impute-vcf'],
      checksums: true,
    };
    const first = await start(options).promise;
    const target = first.files[0]!.target;
    const expected = `${a01.files.find((f) => f.file_type === 'impute-vcf')!.checksum_sha256} *${suggested(a01.files.find((f) => f.file_type === 'impute-vcf')!.download_url!)}\n`;
    expect(await readFile(`${target}.sha256`, 'utf8')).toBe(expected);
    await rm(`${target}.sha256`);
    const second = await start(options).promise;
    expect(second.files[0]!.outcome).toBe('skipped');
    expect(await readFile(`${target}.sha256`, 'utf8')).toBe(expected);
  });
});

describe('resume and refresh', () => {
  const fastqOf = () => a01.files.find((f) => f.file_type === 'fastq-r1')!;

  it('a body cut off halfway continues with Range: no byte is fetched twice (ranged parts)', async () => {
    const wire = countingAgent();
    const file = fastqOf();
    const path = new URL(file.download_url!).pathname;
    sb.control.addFault({
      match: { target: 's3', method: 'GET', path },
      fault: { type: 'truncate' },
      times: 3,
    });
    const result = await start({
      destination: await tempDir(),
      sampleIds: [a01.id],
      fileTypes: ['fastq-r1'],
      dispatcher: wire.dispatcher,
    }).promise;
    const records = wire.records.filter((r) => r.path === path);
    expect(records.reduce((s, r) => s + r.bytes, 0)).toBe(file.size);
    expect(result.files[0]!.fetchedBytes).toBe(file.size);
    expect(records.length).toBe(Math.ceil(file.size! / tuning.partSize) + 3);
    expect((await readFile(result.files[0]!.target)).equals(await stored(a01.id, 'fastq-r1'))).toBe(
      true,
    );
    await wire.dispatcher.close();
  });

  it('a single-stream transfer resumes from the byte where the body broke', async () => {
    const wire = countingAgent();
    const file = fastqOf();
    const path = new URL(file.download_url!).pathname;
    sb.control.addFault({
      match: { target: 's3', method: 'GET', path },
      fault: { type: 'truncate' },
    });
    const result = await start({
      destination: await tempDir(),
      sampleIds: [a01.id],
      fileTypes: ['fastq-r1'],
      dispatcher: wire.dispatcher,
      tuning: { rangedThreshold: Number.MAX_SAFE_INTEGER },
    }).promise;
    const records = wire.records.filter((r) => r.path === path);
    expect(records.length).toBe(2);
    const cut = records[0]!.bytes;
    expect(cut).toBeGreaterThan(0);
    expect(cut).toBeLessThan(file.size!);
    expect(records[1]!.range).toBe(`bytes=${cut}-${file.size! - 1}`);
    expect(records[0]!.bytes + records[1]!.bytes).toBe(file.size);
    expect((await readFile(result.files[0]!.target)).equals(await stored(a01.id, 'fastq-r1'))).toBe(
      true,
    );
    await wire.dispatcher.close();
  });

  it('one stream when the link is fast, parallel parts when told so', async () => {
    const file = fastqOf();
    const path = new URL(file.download_url!).pathname;
    for (const [rate, expected] of [
      [0, 1],
      [Number.POSITIVE_INFINITY, Math.ceil(file.size! / tuning.partSize)],
    ] as const) {
      const wire = countingAgent();
      const run = start({
        destination: await tempDir(),
        sampleIds: [a01.id],
        fileTypes: ['fastq-r1'],
        dispatcher: wire.dispatcher,
        tuning: { ...tuning, singleStreamBytesPerSecond: rate },
      });
      const result = await run.promise;
      expect(wire.records.filter((r) => r.path === path).length).toBe(expected);
      expect(
        (await readFile(result.files[0]!.target)).equals(await stored(a01.id, 'fastq-r1')),
      ).toBe(true);
      await wire.dispatcher.close();
    }
  });

  it('a single stream slower than the threshold after the probe stops there; parts fetch the rest', async () => {
    const file = fastqOf();
    const path = new URL(file.download_url!).pathname;
    const wire = countingAgent();
    const result = await start({
      destination: await tempDir(),
      sampleIds: [a01.id],
      fileTypes: ['fastq-r1'],
      dispatcher: wire.dispatcher,
      // no link reaches 1 PB/s: the probe (decided at the first chunk) always finds it slow
      tuning: { ...tuning, singleStreamBytesPerSecond: 1e15, singleStreamProbeMs: 0 },
    }).promise;
    const requests = wire.records.filter((r) => r.path === path);
    // the probe asked for the whole file, then ranged parts took over where it stopped
    expect(requests[0]!.range).toBe(`bytes=0-${file.size! - 1}`);
    expect(requests.length).toBeGreaterThan(1);
    expect(
      requests.slice(1).every((r) => r.range !== undefined && !r.range.startsWith('bytes=0-')),
    ).toBe(true);
    const original = await stored(a01.id, 'fastq-r1');
    expect(result.files[0]!.sha256).toBe(sha256(original));
    expect((await readFile(result.files[0]!.target)).equals(original)).toBe(true);
    await wire.dispatcher.close();
  });

  it('while other files are in flight, a large file skips the probe and goes to parallel parts', async () => {
    const shared = await createProject(sb, 'shared link');
    const both = await addSamples(sb, shared, 'dl-shared', {
      'B01_R1.fastq.gz': fastq(600 * 1024, 'b01'),
      'B02_R1.fastq.gz': fastq(600 * 1024, 'b02'),
    });
    const details = await Promise.all([both.B01!, both.B02!].map((id) => client.getSample(id)));
    const paths = details.map(
      (d) => new URL(d.files.find((f) => f.file_type === 'fastq-r1')!.download_url!).pathname,
    );
    // Each file's first request is held, so both are in flight when the later one decides.
    for (const path of paths) {
      sb.control.addFault({ match: { target: 's3', path }, fault: { type: 'delay', ms: 300 } });
    }
    const wire = countingAgent();
    await start({
      destination: await tempDir(),
      sampleIds: [both.B01!, both.B02!],
      fileTypes: ['fastq-r1'],
      dispatcher: wire.dispatcher,
      // alone, any link is "fast": probe + one stream = 2 requests
      tuning: { ...tuning, singleStreamBytesPerSecond: 1 },
    }).promise;
    const counts = paths.map((p) => wire.records.filter((r) => r.path === p).length);
    expect(counts).toContain(Math.ceil((600 * 1024) / tuning.partSize));
    await wire.dispatcher.close();
  });

  it('the single stream is timed from its first byte, not from its wait for a connection', async () => {
    const file = fastqOf();
    const path = new URL(file.download_url!).pathname;
    const budget = new TransferBudget({ maxConnections: 1, maxBufferBytes: 4 * 1024 * 1024 });
    const held = await budget.connections.acquire(1);
    const wire = countingAgent();
    const run = start({
      destination: await tempDir(),
      sampleIds: [a01.id],
      fileTypes: ['fastq-r1'],
      dispatcher: wire.dispatcher,
      budget,
      // counting the 600 ms queue would make the link look slower than this
      tuning: { ...tuning, singleStreamBytesPerSecond: 256 * 1024, singleStreamProbeMs: 50 },
    });
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(wire.records).toEqual([]);
    held();
    await run.promise;
    // timed over 50 ms from its first byte, the stream is fast enough to carry the whole file
    expect(wire.records.filter((r) => r.path === path).length).toBe(1);
    await wire.dispatcher.close();
  });

  it('rejects a singleStreamBytesPerSecond that is not a number ≥ 0', async () => {
    const error = await failure(
      start({
        destination: await tempDir(),
        sampleIds: [a01.id],
        tuning: { ...tuning, singleStreamBytesPerSecond: Number.NaN },
      }).promise,
    );
    expect(error).toBeInstanceOf(InvalidArgumentError);
  });

  it('a run that gives up leaves a .part that the next run resumes', async () => {
    const file = fastqOf();
    const { dest, options } = await cutOffRun(a01.id, 'fastq-r1');
    const partial = (await listFiles(dest)).find((f) => f.endsWith('.part'))!;
    const kept = (await stat(join(dest, partial))).size;
    expect(kept).toBeGreaterThan(0);
    sb.control.truncateDownloads(false);
    const wire = countingAgent();
    const result = await start({ ...options, dispatcher: wire.dispatcher }).promise;
    expect(result.files[0]!.resumedBytes).toBe(kept);
    expect(wire.bytes()).toBe(file.size! - kept);
    expect(wire.records[0]!.range).toBe(`bytes=${kept}-${file.size! - 1}`);
    expect((await readFile(result.files[0]!.target)).equals(await stored(a01.id, 'fastq-r1'))).toBe(
      true,
    );
    expect((await listFiles(dest)).filter((f) => f.includes('.part'))).toEqual([]);
    await wire.dispatcher.close();
  });

  it('a .part is not resumed onto a file that changed on the server (no API checksum)', async () => {
    const project = await createProject(sb, 'changed between runs');
    const { V1: sampleId } = await addSamples(sb, project, 'changed', {
      'V1_R1.fastq.gz': fastq(20 * 1024, 'v1'),
    });
    const before = fastq(400 * 1024, 'version-1');
    const after = fastq(400 * 1024, 'version-2').subarray(0, before.length);
    // no checksum_sha256: only the ETag kept in .part.json can tell the versions apart
    sb.control.addExternalFiles(sampleId!, [
      {
        fileType: 'alignment-bam',
        size: before.length,
        url: await sb.control.putExternalObject('changed/V.bam', before),
      },
    ]);
    const { dest, options } = await cutOffRun(sampleId!, 'alignment-bam');
    const partState = (await listFiles(dest)).find((f) => f.endsWith('.part.json'))!;
    expect(JSON.parse(await readFile(join(dest, partState), 'utf8')).etag).toBeTruthy();
    await sb.control.putExternalObject('changed/V.bam', after);
    const result = await start(options).promise;
    expect(result.files[0]).toMatchObject({ outcome: 'downloaded', resumedBytes: 0 });
    expect((await readFile(result.files[0]!.target)).equals(after)).toBe(true);
  });

  it('an expired presigned URL (403) is refreshed from the API and the transfer continues', async () => {
    const { promise, events } = start({
      destination: await tempDir(),
      sampleIds: [a01.id],
      fileTypes: ['fastq-r1', 'impute-vcf'],
      onEvent: (e) => {
        // The URLs the job just read expire before their first byte is fetched.
        if (e.type === 'sample-start') sb.control.expireDownloadUrls();
      },
    });
    const result = await promise;
    expect(events.filter((e) => e.type === 'url-refresh').length).toBe(1);
    expect(result.files.map((f) => f.outcome)).toEqual(['downloaded', 'downloaded']);
    for (const f of result.files) {
      expect((await readFile(f.target)).equals(await stored(a01.id, f.fileType))).toBe(true);
    }
    const reads = sb.control.requests.filter((r) => r.path.endsWith(`/samples/${a01.id}`));
    expect(reads.length).toBeGreaterThanOrEqual(2);
  });
});

describe('a destination that cannot hold files', () => {
  it('is refused once, before any request, when a parent is a regular file', async () => {
    const root = await tempDir();
    await mkdir(root, { recursive: true });
    await writeFile(join(root, 'a-file'), 'x');
    const dest = join(root, 'a-file', 'sub', 'dir');
    const wire = countingAgent();
    const error = await failure(
      start({ destination: dest, sampleIds: [a01.id], dispatcher: wire.dispatcher }).promise,
    );
    expect(error).toBeInstanceOf(DownloadInputError);
    expect(error.message).toBe(`DESTINATION ${dest}: ${join(root, 'a-file')} is not a directory.`);
    expect(wire.records).toEqual([]);
    expect(await listFiles(root)).toEqual(['a-file']);
    await wire.dispatcher.close();
  });
});

describe('a full disk', () => {
  it('stops the run with one message; the .part resumes once there is room', async (ctx) => {
    // a small tmpfs is the only honest full disk; it needs root (as in CI)
    const mnt = await tempDir();
    await mkdir(mnt, { recursive: true });
    const mount = (options: string) =>
      execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', mnt], { stdio: 'ignore' });
    try {
      mount('size=256k');
    } catch {
      ctx.skip();
      return;
    }
    try {
      const options = {
        destination: mnt,
        sampleIds: [a01.id],
        fileTypes: ['fastq-r1'],
        tuning: { rangedThreshold: Number.MAX_SAFE_INTEGER },
      };
      const error = await failure(start(options).promise);
      expect(error).toBeInstanceOf(DiskFullError);
      expect(error.message).toMatch(/^No space left for .*fastq.* \(ENOSPC\): free some space/);
      const part = (await listFiles(mnt)).find((name) => name.endsWith('.part'))!;
      const kept = (await stat(join(mnt, part))).size;
      expect(kept).toBeGreaterThan(0);
      execFileSync('mount', ['-o', 'remount,size=4m', mnt], { stdio: 'ignore' });
      const result = await start(options).promise;
      expect(result.files[0]).toMatchObject({ outcome: 'downloaded', verified: false });
      expect(result.files[0]!.resumedBytes).toBe(kept);
      expect(sha256(await readFile(result.files[0]!.target))).toBe(
        sha256(await stored(a01.id, 'fastq-r1')),
      );
    } finally {
      execFileSync('umount', [mnt], { stdio: 'ignore' });
    }
  });
});

describe('two runs into one directory', () => {
  it('the second waits for the file the first is delivering, then skips it; nothing is left behind', async () => {
    const dest = await tempDir();
    const file = a01.files.find((f) => f.file_type === 'fastq-r1')!;
    const path = new URL(file.download_url!).pathname;
    // the first run's first request is held, so that it owns the file while the second starts
    sb.control.addFault({ match: { target: 's3', path }, fault: { type: 'delay', ms: 800 } });
    const options = { destination: dest, sampleIds: [a01.id], fileTypes: ['fastq-r1'] };
    let started!: () => void;
    const firstStarted = new Promise<void>((resolve) => {
      started = resolve;
    });
    const first = start({
      ...options,
      onEvent: (e) => {
        if (e.type === 'file-start') started();
      },
    });
    await firstStarted;
    const second = start(options);
    const [one, two] = await Promise.all([first.promise, second.promise]);
    expect(one.files.map((f) => f.outcome)).toEqual(['downloaded']);
    expect(two.files.map((f) => f.outcome)).toEqual(['skipped']);
    expect(
      second.events.filter((e) => e.type === 'warning').map((e) => e.type === 'warning' && e.code),
    ).toEqual(['target-locked']);
    const target = one.files[0]!.target;
    expect(sha256(await readFile(target))).toBe(sha256(await stored(a01.id, 'fastq-r1')));
    const left = await listFiles(dest);
    expect(left.filter((name) => /\.part|\.lock/.test(name))).toEqual([]);
    await expect(stat(`${target}.part.lock`)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('a lock left by a killed run is taken over once it is stale', async () => {
    const dest = await tempDir();
    const first = await start({ destination: dest, sampleIds: [a01.id], fileTypes: ['impute-vcf'] })
      .promise;
    const target = first.files[0]!.target;
    await rm(target);
    // what `kill -9` leaves: the lock directory, no longer refreshed
    const lock = `${target}.part.lock`;
    await mkdir(lock);
    const old = new Date(Date.now() - 5 * 60_000);
    await utimes(lock, old, old);
    const again = start({ destination: dest, sampleIds: [a01.id], fileTypes: ['impute-vcf'] });
    const result = await again.promise;
    expect(result.files.map((f) => f.outcome)).toEqual(['downloaded']);
    expect(again.events.some((e) => e.type === 'warning')).toBe(false);
    await expect(stat(lock)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('skip-existing', () => {
  it('skips files of the same size without fetching them; --no-skip-existing fetches again', async () => {
    const dest = await tempDir();
    const options = { destination: dest, sampleIds: [a01.id] };
    await start(options).promise;
    const wire = countingAgent();
    const again = await start({ ...options, dispatcher: wire.dispatcher }).promise;
    expect(again.totals.downloaded).toBe(0);
    expect(again.files.every((f) => f.outcome === 'skipped')).toBe(true);
    expect(wire.records).toEqual([]);
    const forced = await start({ ...options, skipExisting: false, dispatcher: wire.dispatcher })
      .promise;
    expect(forced.totals.skipped).toBe(0);
    expect(wire.bytes()).toBe(a01.files.reduce((s, f) => s + f.size!, 0));
    await wire.dispatcher.close();
  });

  it('a wrong size from the API is only a hint: the file is fetched whole, then skipped', async () => {
    const project = await createProject(sb, 'wrong api size');
    const { W1: sampleId } = await addSamples(sb, project, 'wrong-size', {
      'W1_R1.fastq.gz': fastq(20 * 1024, 'w1'),
    });
    const data = fastq(300 * 1024, 'wrong-size');
    sb.control.addExternalFiles(sampleId!, [
      {
        fileType: 'alignment-bam',
        size: data.length + 4096,
        sha256: sha256(data),
        url: await sb.control.putExternalObject('w/W.bin', data),
      },
    ]);
    const dest = await tempDir();
    const run = () =>
      start({ destination: dest, sampleIds: [sampleId!], fileTypes: ['alignment-bam'] }).promise;
    const first = await run();
    expect(first.files[0]).toMatchObject({
      outcome: 'downloaded',
      verified: true,
      bytes: data.length,
    });
    expect((await readFile(join(dest, 'W1', sampleId!, 'W.bin'))).equals(data)).toBe(true);
    const second = await run();
    expect(second.files[0]).toMatchObject({ outcome: 'skipped', skipReason: 'same-size' });
    expect(second.totals.fetchedBytes).toBeLessThan(1024);

    // …and it does not throw away a .part an earlier, cut-off run left
    const { options: cut } = await cutOffRun(sampleId!, 'alignment-bam');
    const resumed = await start(cut).promise;
    expect(resumed.files[0]!.resumedBytes).toBeGreaterThan(0);
    expect((await readFile(resumed.files[0]!.target)).equals(data)).toBe(true);
  });

  it('--verify-existing replaces a same-size file whose sha256 differs', async () => {
    const dest = await tempDir();
    const options = { destination: dest, sampleIds: [a01.id], fileTypes: ['impute-vcf'] };
    const first = await start(options).promise;
    const target = first.files[0]!.target;
    const good = await readFile(target);
    const bad = Buffer.from(good);
    bad[10] = bad[10]! ^ 0xff;
    await writeFile(target, bad);
    expect((await start(options).promise).files[0]!.skipReason).toBe('same-size');
    const verified = await start({ ...options, verifyExisting: true }).promise;
    expect(verified.files[0]!.outcome).toBe('downloaded');
    expect((await readFile(target)).equals(good)).toBe(true);
    const third = await start({ ...options, verifyExisting: true }).promise;
    expect(third.files[0]).toMatchObject({
      outcome: 'skipped',
      skipReason: 'same-sha256',
      verified: true,
    });
  });
});

describe('archived samples', () => {
  it('fail by default naming them and the way out, before any byte moves', async () => {
    const dest = await tempDir();
    const error = await failure(
      downloadDeliverables(client, {
        destination: dest,
        projectId: sb.projects.default,
        retry: fastRetry,
      }),
    );
    expect(error).toBeInstanceOf(ArchivedSamplesError);
    expect(error.message).toContain('SEED-A04');
    expect(error.message).toContain('gencove projects restore-samples');
    expect(error.message).toContain('--restore');
    expect(await listFiles(dest)).toEqual([]);
  });

  it('--skip-archived downloads the others (official behaviour)', async () => {
    const dest = await tempDir();
    const result = await downloadDeliverables(client, {
      destination: dest,
      projectId: sb.projects.default,
      skipArchived: true,
      fileTypes: ['ancestry-json'],
    });
    expect(result.samples.find((s) => s.clientId === 'SEED-A04')?.outcome).toBe('skipped-archived');
    expect((await listFiles(dest)).map((f) => f.split('/')[0])).toEqual(['SEED-A01']);
  });

  it('--restore requests the restore, waits for it, then downloads', async () => {
    const dest = await tempDir();
    const events: DownloadEvent[] = [];
    const result = await downloadDeliverables(client, {
      destination: dest,
      projectId: sb.projects.default,
      fileTypes: ['ancestry-json'],
      restore: { pollIntervalMs: 20, timeoutMs: 20_000 },
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'restore-requested') void sb.control.completeRestores();
      },
    });
    const requested = events.find((e) => e.type === 'restore-requested');
    expect(requested).toMatchObject({ projectId: sb.projects.default });
    expect(events.some((e) => e.type === 'restore-done')).toBe(true);
    expect((await listFiles(dest)).map((f) => f.split('/')[0])).toEqual(['SEED-A01', 'SEED-A04']);
    expect(result.totals.failed).toBe(0);
  });
});

describe('--since', () => {
  /** A nightly job: the project's ancestry JSON into one directory, with a state file. */
  async function nightlyRun(project: string, extra: Partial<DownloadOptions> = {}) {
    const dest = await tempDir();
    const state = join(dest, '..', 'state.json');
    const nightly = () =>
      downloadDeliverables(client, {
        destination: dest,
        projectId: project,
        fileTypes: ['ancestry-json'],
        sinceStateFile: state,
        ...extra,
      });
    return { dest, state, nightly };
  }

  it('a state file makes a nightly run fetch only samples finished since the last one', async () => {
    const project = await createProject(sb, 'nightly');
    await addSamples(sb, project, 'night-1', { 'N1_R1.fastq.gz': fastq(20 * 1024, 'n1') });
    const { dest, state, nightly } = await nightlyRun(project);
    const first = await nightly();
    expect(first.files.map((f) => f.clientId)).toEqual(['N1']);
    const saved = JSON.parse(await readFile(state, 'utf8'));
    expect(saved).toMatchObject({ version: 1, highWaterMark: first.highWaterMark });
    await new Promise((r) => setTimeout(r, 5));
    await addSamples(sb, project, 'night-2', { 'N2_R1.fastq.gz': fastq(20 * 1024, 'n2') });
    const second = await nightly();
    // N1 sits exactly on the mark (inclusive), is re-checked and skipped as existing.
    expect(second.files.filter((f) => f.outcome === 'downloaded').map((f) => f.clientId)).toEqual([
      'N2',
    ]);
    expect(JSON.parse(await readFile(state, 'utf8')).highWaterMark).toBe(second.highWaterMark);
    const later = await downloadDeliverables(client, {
      destination: dest,
      projectId: project,
      since: new Date(Date.now() + 60_000),
    });
    expect(later.files).toEqual([]);
    expect(later.warnings.some((w) => w.includes('No files'))).toBe(true);
  });

  it('with --skip-archived the mark stays at the oldest skipped sample, so it is fetched once restored', async () => {
    const project = await createProject(sb, 'nightly with archive');
    const { E1: older } = await addSamples(sb, project, 'early', {
      'E1_R1.fastq.gz': fastq(20 * 1024, 'e1'),
    });
    await new Promise((r) => setTimeout(r, 5));
    await addSamples(sb, project, 'late', { 'L1_R1.fastq.gz': fastq(20 * 1024, 'l1') });
    sb.control.archiveSamples([older!]);
    const { state, nightly } = await nightlyRun(project, { skipArchived: true });
    const first = await nightly();
    expect(first.files.map((f) => f.clientId)).toEqual(['L1']);
    const skipped = first.samples.find((s) => s.outcome === 'skipped-archived')!;
    expect(skipped.clientId).toBe('E1');
    expect(JSON.parse(await readFile(state, 'utf8')).highWaterMark).toBe(skipped.statusCreated);

    await client.restoreSamples(project, [older!]);
    await sb.control.completeRestores();
    const second = await nightly();
    expect(second.files.map((f) => `${f.clientId} ${f.outcome}`).sort()).toEqual([
      'E1 downloaded',
      'L1 skipped',
    ]);
    const late = second.samples.find((s) => s.clientId === 'L1')!;
    expect(JSON.parse(await readFile(state, 'utf8')).highWaterMark).toBe(late.statusCreated);
  });

  it('a failed sample holds the mark too, so the next night retries it', async () => {
    const project = await createProject(sb, 'nightly with a failure');
    const { F1: older } = await addSamples(sb, project, 'fails', {
      'F1_R1.fastq.gz': fastq(20 * 1024, 'f1'),
    });
    await new Promise((r) => setTimeout(r, 5));
    await addSamples(sb, project, 'works', { 'G1_R1.fastq.gz': fastq(20 * 1024, 'g1') });
    const file = sb.control.getSample(older!)!.files.find((f) => f.file_type === 'ancestry-json')!;
    sb.control.addFault({
      match: { target: 's3', method: 'GET', path: `/${file.bucket}/${file.key}` },
      fault: { type: 'status', status: 404 },
      times: Number.POSITIVE_INFINITY,
    });
    const { state, nightly } = await nightlyRun(project);
    const error = await failure(nightly());
    // Every failure was a 404: the run's code says so (CLI exit 4), though G1 was delivered.
    expect(error.code).toBe('ERR_GENCOVE_NOT_FOUND');
    const result = error.result!;
    const failed = result.samples.find((s) => s.outcome === 'failed')!;
    expect(failed.clientId).toBe('F1');
    expect(result.highWaterMark).toBe(failed.statusCreated);
    await expect(stat(state)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('an unreadable state file is an input error', async () => {
    const dest = await tempDir();
    const state = join(dest, '..', 'bad-state.json');
    await writeFile(state, '{"nope": 1}');
    const error = await failure(
      downloadDeliverables(client, { destination: dest, projectId, sinceStateFile: state }),
    );
    expect(error).toBeInstanceOf(DownloadInputError);
    expect(error.message).toContain(state);
  });

  it('a state file that could not be written after the run is refused before it', async () => {
    const dest = await tempDir();
    const blocker = join(dest, '..', 'a-file');
    await writeFile(blocker, 'x');
    const wire = countingAgent();
    const error = await failure(
      start({
        destination: dest,
        sinceStateFile: join(blocker, 'state.json'),
        dispatcher: wire.dispatcher,
      }).promise,
    );
    expect(error).toBeInstanceOf(DownloadInputError);
    expect(error.message).toBe(
      `The state file ${join(blocker, 'state.json')} could not be written: ${blocker} is not a directory.`,
    );
    expect(wire.records).toEqual([]);
    await wire.dispatcher.close();
  });
});

describe('streaming one file', () => {
  it('streams exactly one selected file, verified', async () => {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    const result = await start({ destination: out, sampleIds: [a01.id], fileTypes: ['impute-vcf'] })
      .promise;
    expect(sha256(Buffer.concat(chunks))).toBe(
      a01.files.find((f) => f.file_type === 'impute-vcf')!.checksum_sha256,
    );
    expect(result.files[0]).toMatchObject({ verified: true, target: '-' });
  });

  it('refuses a selection of more than one file', async () => {
    const error = await failure(
      start({ destination: new PassThrough(), sampleIds: [a01.id] }).promise,
    );
    expect(error).toBeInstanceOf(DownloadInputError);
    expect(error.message).toContain('exactly one file');
  });
});
