import { execFileSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Sandbox, startSandbox } from '@gencove/sandbox';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GencoveClient } from '../src/client.js';
import {
  DownloadFailedError,
  downloadDeliverables,
  downloadSampleFile,
  streamSampleFile,
} from '../src/jobs/download/index.js';
import { sha256 } from './download-helpers.js';

let sandbox: Sandbox;
let client: GencoveClient;

beforeAll(async () => {
  sandbox = await startSandbox({ pipeline: 'manual' });
  client = new GencoveClient({
    host: sandbox.url,
    apiKey: sandbox.apiKey,
    s3Endpoint: sandbox.s3Url,
    retry: { baseDelayMs: 5 },
  });
});

afterAll(async () => {
  await client?.close();
  await sandbox?.close();
});

beforeEach(() => {
  sandbox.control.clearFaults();
  sandbox.control.clearRequests();
  sandbox.control.corruptDownloads(false);
});

/** The seeded succeeded sample and its VCF (with its real sha256 in the API). */
async function seededVcf() {
  const samples = [];
  for await (const s of client.listProjectSamples(sandbox.projects.default)) samples.push(s);
  const sample = sandbox.control.getSample(samples.find((s) => s.client_id === 'SEED-A01')!.id)!;
  const vcf = sample.files.find((f) => f.file_type === 'impute-vcf')!;
  return { sample, vcf, bytes: (await sandbox.control.s3Object(vcf.bucket, vcf.key))! };
}

async function collect(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

describe('streamSampleFile', () => {
  it('streams a deliverable byte-exact and verified, renewing a refused URL on the way', async () => {
    const { sample, vcf, bytes } = await seededVcf();
    const match = { target: 's3' as const, method: 'GET', path: `/${vcf.bucket}/${vcf.key}` };
    sandbox.control.addFault({ match, fault: { type: 'status', status: 403 }, times: 1 });
    sandbox.control.addFault({ match, fault: { type: 'truncate' }, times: 1 });
    const events: string[] = [];
    const { stream, done } = streamSampleFile(client, {
      sampleId: sample.id,
      fileType: 'impute-vcf',
      onEvent: (e) => events.push(e.type),
    });
    const received = await collect(stream);
    const outcome = await done;
    expect(received.equals(bytes)).toBe(true);
    expect(outcome).toMatchObject({
      sampleId: sample.id,
      fileType: 'impute-vcf',
      bytes: bytes.length,
      sha256: sha256(bytes),
      verified: true,
    });
    expect(vcf.checksum_sha256).toBe(sha256(bytes));
    expect(events).toContain('url-refresh');
  });

  it('a corrupted transfer never ends the stream: it is destroyed with the checksum error', async () => {
    const { sample } = await seededVcf();
    sandbox.control.corruptDownloads(true);
    const { stream, done } = streamSampleFile(client, {
      sampleId: sample.id,
      fileType: 'impute-vcf',
    });
    let ended = false;
    stream.on('end', () => {
      ended = true;
    });
    await expect(collect(stream)).rejects.toMatchObject({ code: 'ERR_GENCOVE_CHECKSUM' });
    await expect(done).rejects.toMatchObject({ name: 'ChecksumMismatchError' });
    expect(ended).toBe(false);
  });

  it('an error before any byte (unknown file type) rejects both, even with no reader yet', async () => {
    const { sample } = await seededVcf();
    const { stream, done } = streamSampleFile(client, { sampleId: sample.id, fileType: 'nope' });
    await expect(done).rejects.toMatchObject({ code: 'ERR_GENCOVE_INPUT' });
    // the stream was destroyed while nobody listened, without an uncaught 'error'
    expect(stream.destroyed).toBe(true);
    await expect(collect(stream)).rejects.toThrow(/no "nope" file/);
  });

  it('a reader that destroys the stream without an error ends the transfer (no wait for ever)', async () => {
    const { sample } = await seededVcf();
    const big = Buffer.alloc(8 * 1024 * 1024, 7);
    sandbox.control.addExternalFiles(sample.id, [
      {
        fileType: 'alignment-bam',
        size: big.length,
        sha256: sha256(big),
        url: await sandbox.control.putExternalObject('stream/closed.bam', big),
      },
    ]);
    const { stream, done } = streamSampleFile(client, {
      sampleId: sample.id,
      fileType: 'alignment-bam',
    });
    stream.once('data', () => stream.destroy());
    await expect(done).rejects.toMatchObject({ code: 'ERR_GENCOVE_OUTPUT_CLOSED' });
  });

  it('streams the QC JSON too', async () => {
    const { sample } = await seededVcf();
    const { stream, done } = streamSampleFile(client, { sampleId: sample.id, fileType: 'qc' });
    const text = (await collect(stream)).toString('utf8');
    expect((await done).bytes).toBe(Buffer.byteLength(text));
    expect(JSON.parse(text)).toBeTypeOf('object');
  });
});

describe('special files (devices, pipes) as destinations', () => {
  /** A named pipe in a temp dir, and everything written into it. */
  async function fifo() {
    const dir = await mkdtemp(join(tmpdir(), 'gencove-fifo-'));
    const path = join(dir, 'pipe');
    execFileSync('mkfifo', [path]);
    const received = collect(createReadStream(path));
    return { dir, path, received };
  }

  it('downloadSampleFile writes into a pipe (like `>(cmd)`) instead of renaming over it', async () => {
    const { sample, bytes } = await seededVcf();
    const { dir, path, received } = await fifo();
    try {
      const outcome = await downloadSampleFile(client, {
        sampleId: sample.id,
        fileType: 'impute-vcf',
        destination: path,
        checksum: true,
      });
      expect(outcome).toMatchObject({ verified: true, bytes: bytes.length });
      expect((await received).equals(bytes)).toBe(true);
      expect((await stat(path)).isFIFO()).toBe(true);
      // no .part, no .sha256 next to a pipe
      expect(await readdir(dir)).toEqual(['pipe']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the download job refuses to replace a pipe found at a target', async () => {
    const { sample } = await seededVcf();
    const dest = await mkdtemp(join(tmpdir(), 'gencove-fifo-dest-'));
    try {
      // the first run tells where the file goes; the second finds a pipe there
      const first = await downloadDeliverables(client, {
        destination: dest,
        sampleIds: [sample.id],
        fileTypes: ['impute-vcf'],
      });
      const target = first.files[0]!.target;
      await rm(target);
      execFileSync('mkfifo', [target]);
      const error = await downloadDeliverables(client, {
        destination: dest,
        sampleIds: [sample.id],
        fileTypes: ['impute-vcf'],
        skipExisting: false,
      }).then(
        () => undefined,
        (e: DownloadFailedError) => e,
      );
      expect(error).toBeInstanceOf(DownloadFailedError);
      expect(error!.failures[0]!.error.code).toBe('ERR_GENCOVE_UNSAFE_PATH');
      expect((await stat(target)).isFIFO()).toBe(true);
    } finally {
      await rm(dest, { recursive: true, force: true });
    }
  });
});
