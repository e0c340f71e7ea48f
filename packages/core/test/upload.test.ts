import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { type Sandbox, startSandbox } from '@gencove/sandbox';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GencoveClient } from '../src/client.js';
import { NotFoundError, ValidationError } from '../src/errors.js';
import {
  planUpload,
  S3TransferError,
  type UploadEvent,
  type UploadFastqsOptions,
  type UploadPlan,
  uploadFastqs,
} from '../src/jobs/upload/index.js';

const MIB = 1024 * 1024;
const PART = 5 * MIB;
let sandbox: Sandbox;
let client: GencoveClient;
let dir: string;
let run = 0;

beforeAll(async () => {
  sandbox = await startSandbox({ pipeline: 'manual' });
  client = new GencoveClient({
    host: sandbox.url,
    apiKey: sandbox.apiKey,
    s3Endpoint: sandbox.s3Url,
    retry: { baseDelayMs: 5 },
  });
  dir = await mkdtemp(join(tmpdir(), 'gencove-upload-'));
});

afterAll(async () => {
  await client?.close();
  await sandbox?.close();
  await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  sandbox.control.clearFaults();
  sandbox.control.clearRequests();
});

async function files(root: string, sizes: Record<string, number>): Promise<Record<string, Buffer>> {
  const out: Record<string, Buffer> = {};
  for (const [name, size] of Object.entries(sizes)) {
    await mkdir(join(root, name, '..'), { recursive: true });
    out[name] = randomBytes(size);
    await writeFile(join(root, name), out[name]);
  }
  return out;
}

async function stored(uploadId: string): Promise<Buffer | undefined> {
  const u = sandbox.control.getUpload(uploadId)!;
  return sandbox.control.s3Object(u.bucket, u.key);
}

const s3Requests = (sb = sandbox) => sb.control.requests.filter((r) => r.target === 's3');
const partPuts = (sb = sandbox) =>
  s3Requests(sb).filter((r) => r.method === 'PUT' && r.query.partNumber);

function upload(plan: UploadPlan, extra: Partial<UploadFastqsOptions> = {}, c = client) {
  const events: UploadEvent[] = [];
  const result = uploadFastqs(c, {
    plan,
    cacheDir: join(dir, 'cache'),
    partSize: PART,
    ...extra,
    onEvent: (e) => {
      events.push(e);
      extra.onEvent?.(e);
    },
  });
  return { result, events };
}

/** A pass-through proxy in front of the sandbox S3 that records what each PUT carried. */
async function recordingS3Proxy(target: string) {
  const seen: Array<{
    path: string;
    query: string;
    checksum?: string;
    crcOfBody: string;
    bytes: number;
  }> = [];
  const upstream = new URL(target);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.method === 'PUT') {
        const crc = Buffer.alloc(4);
        crc.writeUInt32BE(crc32(body) >>> 0);
        const [path = '', query = ''] = (req.url ?? '').split('?');
        seen.push({
          path,
          query,
          checksum: req.headers['x-amz-checksum-crc32'] as string | undefined,
          crcOfBody: crc.toString('base64'),
          bytes: body.length,
        });
      }
      const forward = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise((r) => server.close(r)),
  };
}

describe('uploadFastqs', () => {
  it('uploads a directory byte-exact, a CRC32 on every request, then assigns it with metadata', async () => {
    const root = join(dir, `dir-${++run}`);
    const content = await files(root, {
      'S1_R1.fastq.gz': 12 * MIB + 3,
      'S1_R2.fastq.gz': MIB,
      'plate2/S2_L001_R1_001.fastq.gz': 300_000,
      'plate2/S2_L001_R2_001.fastq.gz': 7 * MIB,
    });
    const proxy = await recordingS3Proxy(sandbox.s3Url);
    try {
      const plan = await planUpload({ source: root, destination: `gncv://upload-${run}` });
      const { result, events } = upload(plan, {
        s3Endpoint: proxy.url,
        runProjectId: sandbox.projects.default,
        metadata: { plate: 7 },
      });
      const done = await result;
      expect(done.files.map((f) => [f.label, f.outcome, f.bytesSent])).toEqual([
        ['S1_R1.fastq.gz', 'uploaded', 12 * MIB + 3],
        ['S1_R2.fastq.gz', 'uploaded', MIB],
        ['plate2/S2_L001_R1_001.fastq.gz', 'uploaded', 300_000],
        ['plate2/S2_L001_R2_001.fastq.gz', 'uploaded', 7 * MIB],
      ]);
      for (const f of done.files) {
        expect((await stored(f.uploadId))?.equals(content[f.label]!)).toBe(true);
        expect(sandbox.control.getUpload(f.uploadId)?.status).toBe('succeeded');
      }
      // 3 + 2 parts for the two multipart files, 2 single PUTs
      expect(proxy.seen).toHaveLength(7);
      for (const put of proxy.seen) {
        expect(put.checksum).toBe(put.crcOfBody);
      }
      const progress = events.filter((e) => e.type === 'file-progress');
      expect(progress.reduce((sum, e) => sum + (e.type === 'file-progress' ? e.bytes : 0), 0)).toBe(
        plan.totalBytes,
      );
      expect(done.assigned?.map((s) => s.client_id).sort()).toEqual(['S1', 'S2']);
      for (const s of done.assigned ?? []) {
        expect(sandbox.control.getSample(s.sample)?.metadata).toEqual({ plate: 7 });
      }

      // re-running the same command uploads nothing and assigns nothing twice
      sandbox.control.clearRequests();
      proxy.seen.length = 0;
      const again = await upload(plan, {
        s3Endpoint: proxy.url,
        runProjectId: sandbox.projects.default,
        metadata: { plate: 7 },
      }).result;
      expect(again.files.map((f) => f.outcome)).toEqual(Array(4).fill('already-uploaded'));
      expect(again.bytesSent).toBe(0);
      expect(proxy.seen).toHaveLength(0);
      expect(s3Requests()).toHaveLength(0);
      expect(again.assigned?.map((s) => s.sample).sort()).toEqual(
        done.assigned?.map((s) => s.sample).sort(),
      );
      expect(
        sandbox.control.requests.filter(
          (r) => r.method === 'POST' && r.path.startsWith('/api/v2/project-samples/'),
        ),
      ).toHaveLength(0);
    } finally {
      await proxy.close();
    }
  }, 60_000);

  // 96 MiB of buffers hold 5 MiB parts in memory; with 16 MiB they stream from disk instead
  it.each([
    ['buffered', {}],
    ['streamed', { maxBufferBytes: 16 * MIB }],
  ])(
    'concatenates a map-file group into one object, byte-exact, across part boundaries (%s parts)',
    async (_mode, memory) => {
      const root = join(dir, `map-${++run}`);
      const lanes = await files(root, {
        'L1_R1.fastq.gz': 3 * MIB + 1,
        'L2_R1.fastq.gz': 4 * MIB - 3,
        'L3_R1.fastq.gz': 2 * MIB + 5,
        'L1_R2.fastq.gz': 1000,
      });
      await writeFile(
        join(root, 'run.fastq-map.csv'),
        'client_id,r_notation,path\nS9,R1,L1_R1.fastq.gz\nS9,R2,L1_R2.fastq.gz\nS9,R1,L2_R1.fastq.gz\nS9,R1,L3_R1.fastq.gz\n',
      );
      const plan = await planUpload({
        source: 'run.fastq-map.csv',
        cwd: root,
        destination: `gncv://map-${run}`,
      });
      const proxy = await recordingS3Proxy(sandbox.s3Url);
      const done = await upload(plan, { ...memory, s3Endpoint: proxy.url }).result.finally(
        proxy.close,
      );
      expect(proxy.seen.length).toBeGreaterThan(0);
      for (const put of proxy.seen) expect(put.checksum).toBe(put.crcOfBody);
      expect(done.files.map((f) => f.destinationPath)).toEqual([
        `gncv://map-${run}/S9_R1.fastq.gz`,
        `gncv://map-${run}/S9_R2.fastq.gz`,
      ]);
      const r1 = Buffer.concat([
        lanes['L1_R1.fastq.gz']!,
        lanes['L2_R1.fastq.gz']!,
        lanes['L3_R1.fastq.gz']!,
      ]);
      expect((await stored(done.files[0]!.uploadId))?.equals(r1)).toBe(true);
      expect((await stored(done.files[1]!.uploadId))?.equals(lanes['L1_R2.fastq.gz']!)).toBe(true);
      expect(partPuts()).toHaveLength(2);
    },
  );

  describe('resume', () => {
    /** Uploads `plan` until `parts` parts are journaled, then aborts (as Ctrl-C would). */
    async function interrupt(plan: UploadPlan, parts: number): Promise<number> {
      sandbox.control.addFault({
        match: { target: 's3', method: 'PUT' },
        times: Number.POSITIVE_INFINITY,
        fault: { type: 'delay', ms: 150 },
      });
      const abort = new AbortController();
      let finished = 0;
      const { result } = upload(plan, {
        concurrency: 1,
        signal: abort.signal,
        onEvent: (e) => {
          if (e.type === 'file-progress' && e.bytes > 0) {
            finished += e.bytes;
            if (finished >= parts * PART + 1) abort.abort();
          }
        },
      });
      await expect(result).rejects.toMatchObject({ code: 'ERR_GENCOVE_ABORTED' });
      sandbox.control.clearFaults();
      const journals = await readdir(join(dir, 'cache'));
      const journal = journals.find((f) => f.endsWith('.ndjson'))!;
      const lines = (await readFile(join(dir, 'cache', journal), 'utf8')).trim().split('\n');
      return lines.length - 1;
    }

    it('re-sends only the parts an interrupted run did not finish', async () => {
      await rm(join(dir, 'cache'), { recursive: true, force: true });
      const root = join(dir, `resume-${++run}`);
      const content = await files(root, { 'BIG_R1.fastq.gz': 6 * PART - 1000 });
      const plan = await planUpload({ source: root, destination: `gncv://resume-${run}` });
      const journaled = await interrupt(plan, 2);
      expect(journaled).toBeGreaterThanOrEqual(2);
      expect(journaled).toBeLessThan(6);

      sandbox.control.clearRequests();
      const { result, events } = upload(plan);
      const done = await result;
      expect(partPuts()).toHaveLength(6 - journaled);
      expect(s3Requests().filter((r) => r.method === 'POST' && 'uploads' in r.query)).toHaveLength(
        0,
      );
      expect(done.files[0]).toMatchObject({
        outcome: 'resumed',
        bytesSent: 6 * PART - 1000 - journaled * PART,
      });
      expect(events.find((e) => e.type === 'file-start')).toMatchObject({
        resumedBytes: journaled * PART,
        parts: 6,
      });
      expect((await stored(done.files[0]!.uploadId))?.equals(content['BIG_R1.fastq.gz']!)).toBe(
        true,
      );
      expect(await readdir(join(dir, 'cache'))).toEqual([]);
      // the journal was checked against S3 before it was trusted
      expect(s3Requests().filter((r) => r.method === 'GET' && 'uploadId' in r.query)).toHaveLength(
        1,
      );
    }, 60_000);

    it('starts over when S3 no longer holds the interrupted upload', async () => {
      await rm(join(dir, 'cache'), { recursive: true, force: true });
      const root = join(dir, `gone-${++run}`);
      const content = await files(root, { 'BIG_R1.fastq.gz': 4 * PART + 10 });
      const plan = await planUpload({ source: root, destination: `gncv://gone-${run}` });
      expect(await interrupt(plan, 2)).toBeGreaterThanOrEqual(2);

      // ListParts answers 404 NoSuchUpload, as S3 does once an upload was aborted or expired
      sandbox.control.addFault({
        match: { target: 's3', method: 'GET' },
        times: 1,
        fault: { type: 'status', status: 404 },
      });
      sandbox.control.clearRequests();
      const { result, events } = upload(plan);
      const done = await result;
      expect(events).toContainEqual(
        expect.objectContaining({ type: 'resume-discarded', reason: 'upload-gone' }),
      );
      expect(partPuts()).toHaveLength(5);
      expect((await stored(done.files[0]!.uploadId))?.equals(content['BIG_R1.fastq.gz']!)).toBe(
        true,
      );
    }, 60_000);

    it('starts over when the local file changed since the interrupted run', async () => {
      await rm(join(dir, 'cache'), { recursive: true, force: true });
      const root = join(dir, `changed-${++run}`);
      await files(root, { 'BIG_R1.fastq.gz': 3 * PART + 10 });
      const plan = await planUpload({ source: root, destination: `gncv://changed-${run}` });
      await interrupt(plan, 1);

      const fresh = randomBytes(3 * PART + 10);
      await writeFile(join(root, 'BIG_R1.fastq.gz'), fresh);
      const replanned = await planUpload({ source: root, destination: `gncv://changed-${run}` });
      sandbox.control.clearRequests();
      const { result, events } = upload(replanned);
      const done = await result;
      expect(events).toContainEqual(
        expect.objectContaining({ type: 'resume-discarded', reason: 'source-changed' }),
      );
      expect(partPuts()).toHaveLength(4);
      expect((await stored(done.files[0]!.uploadId))?.equals(fresh)).toBe(true);
    }, 60_000);

    it.each([
      ['buffered', {}],
      ['streamed', { maxBufferBytes: 16 * MIB }],
    ])(
      'refuses to finish an upload whose file changes while it is sent (%s parts)',
      async (_mode, memory) => {
        const root = join(dir, `moving-${++run}`);
        await files(root, { 'M_R1.fastq.gz': 3 * PART });
        const plan = await planUpload({ source: root, destination: `gncv://moving-${run}` });
        let touched = false;
        const { result } = upload(plan, {
          ...memory,
          concurrency: 1,
          onEvent: async (e) => {
            if (e.type === 'file-progress' && !touched) {
              touched = true;
              await writeFile(join(root, 'M_R1.fastq.gz'), randomBytes(3 * PART + 1));
            }
          },
        });
        await expect(result).rejects.toMatchObject({ code: 'ERR_GENCOVE_SOURCE_CHANGED' });
      },
    );
  });

  describe('credentials', () => {
    it('refreshes short-lived credentials before they expire during a long upload', async () => {
      const short = await startSandbox({ pipeline: 'manual', uploadCredentialsTtlSeconds: 2 });
      const c = new GencoveClient({
        host: short.url,
        apiKey: short.apiKey,
        s3Endpoint: short.s3Url,
      });
      try {
        short.control.addFault({
          match: { target: 's3', method: 'PUT' },
          times: Number.POSITIVE_INFINITY,
          fault: { type: 'delay', ms: 400 },
        });
        const root = join(dir, `creds-${++run}`);
        const content = await files(root, { 'LONG_R1.fastq.gz': 6 * PART });
        const plan = await planUpload({ source: root, destination: `gncv://creds-${run}` });
        const { result, events } = upload(plan, { concurrency: 1 }, c);
        const done = await result;
        const credentialPosts = short.control.requests.filter((r) =>
          r.path.startsWith('/api/v2/upload-credentials'),
        );
        expect(credentialPosts.length).toBeGreaterThanOrEqual(2);
        expect(
          events.filter((e) => e.type === 'credentials' && e.refreshed).length,
        ).toBeGreaterThanOrEqual(1);
        expect(s3Requests(short).every((r) => r.status === 200)).toBe(true);
        expect(events.some((e) => e.type === 'file-retry')).toBe(false);
        const u = short.control.getUpload(done.files[0]!.uploadId)!;
        expect(
          (await short.control.s3Object(u.bucket, u.key))?.equals(content['LONG_R1.fastq.gz']!),
        ).toBe(true);
      } finally {
        await c.close();
        await short.close();
      }
    }, 60_000);

    it('fetches new credentials and retries when S3 answers ExpiredToken', async () => {
      const root = join(dir, `expired-${++run}`);
      const content = await files(root, { 'EXP_R1.fastq.gz': 4 * PART });
      const plan = await planUpload({ source: root, destination: `gncv://expired-${run}` });
      let expired = false;
      const { result, events } = upload(plan, {
        concurrency: 1,
        onEvent: (e) => {
          if (e.type === 'file-progress' && !expired) {
            expired = true;
            sandbox.control.expireUploadCredentials();
          }
        },
      });
      const done = await result;
      expect(s3Requests().some((r) => r.status === 400)).toBe(true);
      expect(events).toContainEqual(
        expect.objectContaining({ type: 'file-retry', reason: 'credentials' }),
      );
      // sandbox session tokens start with IQoJsandbox, access keys with ASIA
      expect(JSON.stringify(events)).not.toMatch(/IQoJsandbox|ASIA[A-Z0-9]{16}/);
      expect((await stored(done.files[0]!.uploadId))?.equals(content['EXP_R1.fastq.gz']!)).toBe(
        true,
      );
    }, 60_000);
  });

  describe('errors before any byte moves', () => {
    it('a destination path taken by a deleted upload: the 400 surfaces and no file is sent', async () => {
      const root = join(dir, `deleted-${++run}`);
      await files(root, { 'A_R1.fastq.gz': 1000, 'B_R1.fastq.gz': 1000 });
      const plan = await planUpload({ source: root, destination: `gncv://deleted-${run}` });
      const first = await upload(plan).result;
      sandbox.control.deleteUpload(first.files[1]!.uploadId);
      await files(root, { 'C_R1.fastq.gz': 1000 });
      const replanned = await planUpload({ source: root, destination: `gncv://deleted-${run}` });
      sandbox.control.clearRequests();
      const attempt = upload(replanned).result;
      await expect(attempt).rejects.toBeInstanceOf(ValidationError);
      await expect(attempt).rejects.toThrow(/deleted/);
      expect(s3Requests()).toHaveLength(0);
    });

    it('an unknown project is reported before anything is reserved or sent', async () => {
      const root = join(dir, `project-${++run}`);
      await files(root, { 'A_R1.fastq.gz': 1000 });
      const plan = await planUpload({ source: root, destination: `gncv://project-${run}` });
      const attempt = upload(plan, { runProjectId: sandbox.projects.other }).result;
      await expect(attempt).rejects.toBeInstanceOf(NotFoundError);
      await expect(attempt).rejects.toThrow(/does not exist or is not accessible/);
      expect(
        sandbox.control.requests.filter((r) => r.path.startsWith('/api/v2/uploads-post-data')),
      ).toHaveLength(0);
      expect(s3Requests()).toHaveLength(0);
    });

    it('a plan with blocking problems is refused', async () => {
      const root = join(dir, `blocked-${++run}`);
      await files(root, { 'NOREAD.fastq.gz': 10 });
      const plan = await planUpload({ source: root, destination: `gncv://blocked-${run}` });
      await expect(upload(plan).result).rejects.toMatchObject({ code: 'ERR_GENCOVE_INPUT' });
      expect(sandbox.control.requests).toHaveLength(0);
    });
  });

  it('an S3 refusal fails the job with a message naming the file', async () => {
    const root = join(dir, `denied-${++run}`);
    await files(root, { 'D_R1.fastq.gz': 1000 });
    const plan = await planUpload({ source: root, destination: `gncv://denied-${run}` });
    sandbox.control.addFault({
      match: { target: 's3', method: 'PUT' },
      times: Number.POSITIVE_INFINITY,
      fault: { type: 'status', status: 403 },
    });
    const attempt = upload(plan).result;
    await expect(attempt).rejects.toBeInstanceOf(S3TransferError);
    await expect(attempt).rejects.toThrow(`upload gncv://denied-${run}/D_R1.fastq.gz`);
  });

  it('retries S3 5xx and resets, then succeeds', async () => {
    const root = join(dir, `flaky-${++run}`);
    const content = await files(root, { 'F_R1.fastq.gz': 2 * PART + 7 });
    const plan = await planUpload({ source: root, destination: `gncv://flaky-${run}` });
    sandbox.control.addFault({
      match: { target: 's3', method: 'PUT' },
      times: 1,
      fault: { type: 'status', status: 503 },
    });
    sandbox.control.addFault({
      match: { target: 's3', method: 'PUT' },
      times: 1,
      fault: { type: 'reset' },
    });
    const { result, events } = upload(plan, { concurrency: 1 });
    const done = await result;
    expect(events.filter((e) => e.type === 'file-retry').length).toBeGreaterThanOrEqual(2);
    const net = events
      .filter((e) => e.type === 'file-progress')
      .reduce((sum, e) => sum + (e.type === 'file-progress' ? e.bytes : 0), 0);
    expect(net).toBe(2 * PART + 7);
    expect((await stored(done.files[0]!.uploadId))?.equals(content['F_R1.fastq.gz']!)).toBe(true);
  }, 60_000);
});
