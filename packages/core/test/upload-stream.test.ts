import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { type Sandbox, startSandbox } from '@gencove/sandbox';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GencoveClient } from '../src/client.js';
import {
  UploadCredentialProvider,
  type UploadStreamEvent,
  type UploadStreamOptions,
  uploadStream,
} from '../src/jobs/upload/index.js';
import { TransferBudget } from '../src/transfer/budget.js';

const MIB = 1024 * 1024;
const PART = 5 * MIB;
const CHUNK = 64 * 1024;
let sandbox: Sandbox;
let client: GencoveClient;
let run = 0;

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
});

/**
 * A stream over `data` in 64 KiB chunks that records how far it has been read, and how far at
 * most it ran ahead of `stored` (which the test advances as parts are stored).
 */
function source(data: Buffer) {
  const state = { pulled: 0, stored: 0, maxAhead: 0 };
  function* chunks() {
    for (let at = 0; at < data.length; at += CHUNK) {
      const chunk = data.subarray(at, at + CHUNK);
      state.pulled += chunk.length;
      state.maxAhead = Math.max(state.maxAhead, state.pulled - state.stored);
      yield chunk;
    }
  }
  return { body: Readable.from(chunks(), { objectMode: false }), state };
}

function send(
  options: Omit<UploadStreamOptions, 'onEvent'>,
  onEvent?: (e: UploadStreamEvent) => void,
) {
  const events: UploadStreamEvent[] = [];
  const result = uploadStream(client, {
    partSize: PART,
    ...options,
    onEvent: (e) => {
      events.push(e);
      onEvent?.(e);
    },
  });
  return { result, events };
}

async function stored(destinationPath: string): Promise<Buffer | undefined> {
  const slot = await client.createUpload(destinationPath); // answers the existing upload
  return sandbox.control.s3Object(slot.s3!.bucket!, slot.s3!.object_name!);
}

const s3Requests = () => sandbox.control.requests.filter((r) => r.target === 's3');
const partPuts = () => s3Requests().filter((r) => r.method === 'PUT' && r.query.partNumber);
const multipartAborts = () =>
  s3Requests().filter((r) => r.method === 'DELETE' && r.query.uploadId !== undefined);
const path = (name: string) => `gncv://stream-${++run}/${name}`;

describe('uploadStream', () => {
  it('streams a multipart upload byte-exact, reading only as parts complete', async () => {
    const data = randomBytes(3 * PART + 123);
    const { body, state } = source(data);
    const destinationPath = path('S1_R1.fastq.gz');
    // two parts of memory: the stream may never be more than two parts (+ one chunk) ahead
    const budget = new TransferBudget({ maxConnections: 2, maxBufferBytes: 2 * PART });
    const { result, events } = send({ destinationPath, body, size: data.length, budget }, (e) => {
      if (e.type === 'stream-progress') state.stored += e.bytes;
    });
    const done = await result;

    expect(done).toMatchObject({ bytes: data.length, skipped: false });
    expect(done.upload).toMatchObject({ destination_path: destinationPath, status: 'started' });
    expect((await stored(destinationPath))?.equals(data)).toBe(true);
    expect(sandbox.control.getUpload(done.upload.id)?.status).toBe('succeeded');
    expect(partPuts()).toHaveLength(4);
    // two buffered parts, one chunk of look-ahead and one in the stream's own buffer
    expect(state.maxAhead).toBeLessThanOrEqual(2 * PART + 2 * CHUNK);
    expect(state.maxAhead).toBeLessThan(data.length);
    expect(events.at(-1)).toEqual({
      type: 'stream-done',
      destinationPath,
      uploadId: done.upload.id,
      bytes: data.length,
      parts: 4,
    });
  });

  it('without a size: one PUT for a small stream, multipart for a large one', async () => {
    const small = randomBytes(1000);
    const smallPath = path('S2_R1.fastq.gz');
    const first = await send({ destinationPath: smallPath, body: source(small).body }).result;
    expect(first.bytes).toBe(1000);
    expect(s3Requests().filter((r) => r.method === 'PUT')).toHaveLength(1);
    expect(partPuts()).toHaveLength(0);
    expect((await stored(smallPath))?.equals(small)).toBe(true);

    sandbox.control.clearRequests();
    const large = randomBytes(2 * PART + 1);
    const largePath = path('S2_R2.fastq.gz');
    const second = await send({ destinationPath: largePath, body: source(large).body }).result;
    expect(second.bytes).toBe(large.length);
    expect(partPuts()).toHaveLength(3);
    expect((await stored(largePath))?.equals(large)).toBe(true);
  });

  it('bytes already in memory are sent as they are', async () => {
    const data = randomBytes(PART + 7);
    const destinationPath = path('MEM_R1.fastq.gz');
    const done = await send({ destinationPath, body: data, size: data.length }).result;
    expect(done.bytes).toBe(data.length);
    expect(partPuts()).toHaveLength(2);
    expect((await stored(destinationPath))?.equals(data)).toBe(true);
  });

  it('an empty stream is stored as an empty object', async () => {
    const destinationPath = path('EMPTY_R1.fastq.gz');
    const done = await send({ destinationPath, body: Readable.from([]), size: 0 }).result;
    expect(done.bytes).toBe(0);
    expect((await stored(destinationPath))?.length).toBe(0);
  });

  it('skips a destination path the server already has, without reading the stream', async () => {
    const data = randomBytes(PART + 10);
    const destinationPath = path('S3_R1.fastq.gz');
    await send({ destinationPath, body: source(data).body, size: data.length }).result;
    sandbox.control.clearRequests();

    const again = source(randomBytes(PART + 10));
    const { result, events } = send({ destinationPath, body: again.body });
    const done = await result;
    expect(done).toMatchObject({ bytes: 0, skipped: true, upload: { status: 'succeeded' } });
    expect(again.state.pulled).toBe(0);
    expect(again.body.destroyed).toBe(true);
    expect(s3Requests()).toHaveLength(0);
    expect(events).toEqual([
      { type: 'stream-reserved', destinationPath, uploadId: done.upload.id, skipped: true },
    ]);
    expect((await stored(destinationPath))?.equals(data)).toBe(true);
  });

  describe('credentials', () => {
    it('fetches new credentials and retries the part when S3 answers ExpiredToken', async () => {
      const data = randomBytes(3 * PART);
      const destinationPath = path('EXP_R1.fastq.gz');
      let expired = false;
      const budget = new TransferBudget({ maxConnections: 1, maxBufferBytes: 2 * PART });
      const { result, events } = send(
        { destinationPath, body: source(data).body, size: data.length, budget },
        (e) => {
          if (e.type === 'stream-progress' && !expired) {
            expired = true;
            sandbox.control.expireUploadCredentials();
          }
        },
      );
      await result;
      expect(s3Requests().some((r) => r.status === 400)).toBe(true);
      expect(events).toContainEqual(
        expect.objectContaining({ type: 'stream-retry', reason: 'credentials' }),
      );
      expect(events.filter((e) => e.type === 'credentials')).toEqual([
        expect.objectContaining({ refreshed: false }),
        expect.objectContaining({ refreshed: true }),
      ]);
      // sandbox session tokens start with IQoJsandbox, access keys with ASIA
      expect(JSON.stringify(events)).not.toMatch(/IQoJsandbox|ASIA[A-Z0-9]{16}/);
      expect((await stored(destinationPath))?.equals(data)).toBe(true);
    });

    it('shares one credential provider between uploads', async () => {
      const credentials = new UploadCredentialProvider({
        fetch: (signal) => client.getUploadCredentials({ signal }),
      });
      const a = randomBytes(2000);
      const b = randomBytes(3000);
      const pathA = path('SH_R1.fastq.gz');
      const pathB = `${pathA.slice(0, pathA.lastIndexOf('/'))}/SH_R2.fastq.gz`;
      await send({ destinationPath: pathA, body: source(a).body, credentials }).result;
      await send({ destinationPath: pathB, body: source(b).body, credentials }).result;
      const posts = sandbox.control.requests.filter((r) =>
        r.path.startsWith('/api/v2/upload-credentials'),
      );
      expect(posts).toHaveLength(1);
      expect((await stored(pathA))?.equals(a)).toBe(true);
      expect((await stored(pathB))?.equals(b)).toBe(true);
    });
  });

  describe('failures leave nothing half-done', () => {
    it('a stream shorter than its size: the multipart upload is aborted, no object', async () => {
      const data = randomBytes(2 * PART + 5);
      const destinationPath = path('SHORT_R1.fastq.gz');
      const { result } = send({ destinationPath, body: source(data).body, size: 3 * PART });
      await expect(result).rejects.toMatchObject({
        code: 'ERR_GENCOVE_INPUT',
        message: expect.stringContaining(`ended after ${data.length} of its announced`),
      });
      expect(multipartAborts()).toHaveLength(1);
      expect(await stored(destinationPath)).toBeUndefined();
    });

    it('a stream longer than its size fails before the single PUT', async () => {
      const destinationPath = path('LONG_R1.fastq.gz');
      const { body } = source(randomBytes(5000));
      await expect(send({ destinationPath, body, size: 4000 }).result).rejects.toMatchObject({
        code: 'ERR_GENCOVE_INPUT',
        message: expect.stringContaining('longer than its announced size of 4000 bytes'),
      });
      expect(s3Requests()).toHaveLength(0);
      expect(body.destroyed).toBe(true);
    });

    it('a refused part fails the upload, aborts it on S3 and destroys the stream', async () => {
      sandbox.control.addFault({
        match: { target: 's3', method: 'PUT', path: /\/.+/ },
        fault: { type: 'status', status: 403 },
      });
      const data = randomBytes(3 * PART);
      const { body } = source(data);
      const destinationPath = path('DENIED_R1.fastq.gz');
      await expect(send({ destinationPath, body, size: data.length }).result).rejects.toMatchObject(
        { name: 'S3TransferError' },
      );
      expect(multipartAborts()).toHaveLength(1);
      expect(body.destroyed).toBe(true);
      expect(await stored(destinationPath)).toBeUndefined();
    });

    it('an abort stops the upload and aborts it on S3', async () => {
      const controller = new AbortController();
      const data = randomBytes(4 * PART);
      const destinationPath = path('ABORT_R1.fastq.gz');
      const budget = new TransferBudget({ maxConnections: 1, maxBufferBytes: PART });
      const { result } = send(
        { destinationPath, body: source(data).body, budget, signal: controller.signal },
        (e) => {
          if (e.type === 'stream-progress') controller.abort();
        },
      );
      await expect(result).rejects.toMatchObject({ code: 'ERR_GENCOVE_ABORTED' });
      expect(partPuts().length).toBeLessThan(4);
      expect(multipartAborts()).toHaveLength(1);
      expect(await stored(destinationPath)).toBeUndefined();
    });

    it('a destination path that is not a FASTQ name is refused before any request', async () => {
      const { body } = source(randomBytes(10));
      await expect(
        send({ destinationPath: 'gncv://stream/notes.txt', body }).result,
      ).rejects.toMatchObject({ code: 'ERR_GENCOVE_INPUT', name: 'UploadInputError' });
      expect(sandbox.control.requests).toHaveLength(0);
      expect(body.destroyed).toBe(true);
    });
  });
});
