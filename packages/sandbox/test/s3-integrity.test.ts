import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../src/index.js';
import { adminS3, api } from './helpers.js';

// Issue 23 (1 and 2): S3 never stores a partial PUT, and a client that vanishes mid-upload
// must not take the sandbox down.

let sb: Sandbox;

beforeAll(async () => {
  sb = await startSandbox({ pipeline: 'manual' });
});
afterAll(async () => {
  await sb?.close();
});

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Admin-key SigV4 header: the proxy checks keys, not signatures. */
const AUTH =
  'AWS4-HMAC-SHA256 Credential=S3RVER/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00';

interface RawResult {
  status: number | null;
  text: string;
}

/**
 * Sends a request by hand over a socket: the head, then `body`, then `end` decides how the client
 * goes away: 'destroy' (killed: RST/close), 'half-close' (FIN before Content-Length is reached)
 * or 'wait' (the message is complete as framed; wait for the answer).
 */
function raw(
  url: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body: Buffer,
  end: 'destroy' | 'half-close' | 'wait',
): Promise<RawResult> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), hostname);
    let received = '';
    socket.on('data', (d) => {
      received += d.toString('latin1');
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      const m = /^HTTP\/1\.1 (\d{3})/.exec(received);
      resolve({ status: m ? Number(m[1]) : null, text: received });
    });
    const head = [
      `${method} ${path} HTTP/1.1`,
      `Host: ${hostname}:${port}`,
      `Authorization: ${AUTH}`,
      'Connection: close',
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
      '',
      '',
    ].join('\r\n');
    socket.write(head);
    socket.write(body, () => {
      if (end === 'destroy') setImmediate(() => socket.destroy());
      else if (end === 'half-close') socket.end();
    });
  });
}

/** Waits until the proxy has logged the end of the n-th request to `path` (status set or 0). */
async function settled(path: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const entry = sb.control.requests.findLast((r) => r.target === 's3' && r.path === path);
    if (entry && (entry.status !== 0 || i > 5)) {
      // one more round trip through the proxy: whatever it does after the socket closed is done
      await fetch(`${sb.s3Url}/`).catch(() => undefined);
      return;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function reserve(path: string) {
  const res = await api(sb, 'POST', '/api/v2/uploads-post-data/', { destination_path: path });
  expect(res.status).toBe(201);
  return res.body as { id: string; s3: { bucket: string; object_name: string } };
}

const objectPath = (slot: { s3: { bucket: string; object_name: string } }) =>
  `/${slot.s3.bucket}/${slot.s3.object_name}`;

/** Headers of an unsigned aws-chunked PUT (the AWS SDK v3 default for streams). */
const chunkedHeaders = (encodedLength: number, decodedLength: number | string) => ({
  'Content-Length': String(encodedLength),
  'Content-Encoding': 'aws-chunked',
  'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
  'x-amz-decoded-content-length': String(decodedLength),
  'x-amz-trailer': 'x-amz-checksum-crc32',
});

function chunked(data: Buffer, terminate: boolean): Buffer {
  const parts: Buffer[] = [];
  for (let off = 0; off < data.length; off += 1024) {
    const piece = data.subarray(off, off + 1024);
    parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'));
  }
  if (terminate) parts.push(Buffer.from('0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n'));
  return Buffer.concat(parts);
}

describe('a PutObject cut short stores nothing (as S3)', () => {
  it('client killed mid-body: no object, the upload stays started', async () => {
    const slot = await reserve('gncv://integrity-kill/K1_R1.fastq.gz');
    const data = Buffer.alloc(256 * 1024, 7);
    await raw(
      sb.s3Url,
      'PUT',
      objectPath(slot),
      { 'Content-Length': String(data.length) },
      data.subarray(0, 100 * 1024),
      'destroy',
    );
    await settled(objectPath(slot));
    expect(await sb.control.s3Object(slot.s3.bucket, slot.s3.object_name)).toBeUndefined();
    expect(sb.control.getUpload(slot.id)?.status).toBe('started');
    // and a re-reservation (the client's "already uploaded?" check) does not report it succeeded
    const again = await reserve('gncv://integrity-kill/K1_R1.fastq.gz');
    expect(again.id).toBe(slot.id);
    expect(sb.control.getUpload(slot.id)?.status).toBe('started');
  });

  it('Content-Length not reached (FIN early): no object', async () => {
    const slot = await reserve('gncv://integrity-fin/F1_R1.fastq.gz');
    const data = Buffer.alloc(64 * 1024, 3);
    await raw(
      sb.s3Url,
      'PUT',
      objectPath(slot),
      { 'Content-Length': String(data.length) },
      data.subarray(0, 1000),
      'half-close',
    );
    await settled(objectPath(slot));
    expect(await sb.control.s3Object(slot.s3.bucket, slot.s3.object_name)).toBeUndefined();
    expect(sb.control.getUpload(slot.id)?.status).toBe('started');
  });

  it('an interrupted overwrite leaves the earlier object intact', async () => {
    const slot = await reserve('gncv://integrity-overwrite/O1_R1.fastq.gz');
    const s3 = await adminS3(sb);
    const first = Buffer.from('first version of the object\n'.repeat(100));
    await s3.send(
      new PutObjectCommand({ Bucket: slot.s3.bucket, Key: slot.s3.object_name, Body: first }),
    );
    s3.destroy();
    const second = Buffer.alloc(128 * 1024, 9);
    await raw(
      sb.s3Url,
      'PUT',
      objectPath(slot),
      { 'Content-Length': String(second.length) },
      second.subarray(0, 50_000),
      'destroy',
    );
    await settled(objectPath(slot));
    const stored = await sb.control.s3Object(slot.s3.bucket, slot.s3.object_name);
    expect(stored && sha(stored)).toBe(sha(first));
  });

  it('an aws-chunked body without its final chunk: 400 IncompleteBody, nothing stored', async () => {
    const slot = await reserve('gncv://integrity-chunked/C1_R1.fastq.gz');
    const data = Buffer.alloc(5000, 1);
    const body = chunked(data, false);
    const res = await raw(
      sb.s3Url,
      'PUT',
      objectPath(slot),
      chunkedHeaders(body.length, String(data.length)),
      body,
      'wait',
    );
    expect(res.status).toBe(400);
    expect(res.text).toContain('<Code>IncompleteBody</Code>');
    expect(await sb.control.s3Object(slot.s3.bucket, slot.s3.object_name)).toBeUndefined();
    expect(sb.control.getUpload(slot.id)?.status).toBe('started');
  });

  it('an aws-chunked body shorter than x-amz-decoded-content-length: 400, nothing stored', async () => {
    const slot = await reserve('gncv://integrity-chunked/C2_R1.fastq.gz');
    const data = Buffer.alloc(3000, 2);
    const body = chunked(data, true);
    const res = await raw(
      sb.s3Url,
      'PUT',
      objectPath(slot),
      chunkedHeaders(body.length, String(data.length + 10)),
      body,
      'wait',
    );
    expect(res.status).toBe(400);
    expect(await sb.control.s3Object(slot.s3.bucket, slot.s3.object_name)).toBeUndefined();
  });

  it('a complete aws-chunked body is stored (the check above is not a blanket refusal)', async () => {
    const slot = await reserve('gncv://integrity-chunked/C3_R1.fastq.gz');
    const data = Buffer.alloc(5000, 4);
    const body = chunked(data, true);
    const res = await raw(
      sb.s3Url,
      'PUT',
      objectPath(slot),
      chunkedHeaders(body.length, String(data.length)),
      body,
      'wait',
    );
    expect(res.status).toBe(200);
    const stored = await sb.control.s3Object(slot.s3.bucket, slot.s3.object_name);
    expect(stored && sha(stored)).toBe(sha(data));
    expect(sb.control.getUpload(slot.id)?.status).toBe('succeeded');
  });

  it('an UploadPart cut short stores no part and keeps the earlier one', async () => {
    const slot = await reserve('gncv://integrity-part/P1_R1.fastq.gz');
    const s3 = await adminS3(sb);
    const created = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: slot.s3.bucket, Key: slot.s3.object_name }),
    );
    const uploadId = created.UploadId!;
    const path = `${objectPath(slot)}?partNumber=1&uploadId=${encodeURIComponent(uploadId)}`;
    const listParts = async () =>
      (
        await fetch(`${sb.s3Url}${objectPath(slot)}?uploadId=${encodeURIComponent(uploadId)}`, {
          headers: { authorization: AUTH },
        })
      ).text();

    // a first attempt cut short: no part
    const part = Buffer.alloc(1024 * 1024, 5);
    await raw(
      sb.s3Url,
      'PUT',
      path,
      { 'Content-Length': String(part.length) },
      part.subarray(0, 300_000),
      'destroy',
    );
    await settled(objectPath(slot));
    expect(await listParts()).not.toContain('<Part>');

    // the part uploaded whole, then a re-upload of it cut short: the whole one stays
    const done = await s3.send(
      new UploadPartCommand({
        Bucket: slot.s3.bucket,
        Key: slot.s3.object_name,
        UploadId: uploadId,
        PartNumber: 1,
        Body: part,
      }),
    );
    const other = Buffer.alloc(1024 * 1024, 8);
    await raw(
      sb.s3Url,
      'PUT',
      path,
      { 'Content-Length': String(other.length) },
      other.subarray(0, 300_000),
      'destroy',
    );
    await settled(objectPath(slot));
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: slot.s3.bucket,
        Key: slot.s3.object_name,
        UploadId: uploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: done.ETag }] },
      }),
    );
    s3.destroy();
    const stored = await sb.control.s3Object(slot.s3.bucket, slot.s3.object_name);
    expect(stored && sha(stored)).toBe(sha(part));
    expect(sb.control.getUpload(slot.id)?.status).toBe('succeeded');
  });
});

describe('a client vanishing mid aws-chunked upload', () => {
  it('does not crash the sandbox process', async () => {
    const src = fileURLToPath(new URL('../src/bin.ts', import.meta.url));
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', src, '--json', '--pipeline', 'manual'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr!.on('data', (d) => {
      stderr += String(d);
    });
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );
    try {
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout! }).once('line', resolve);
        child.once('exit', () => reject(new Error(`sandbox exited early: ${stderr}`)));
      });
      const info = JSON.parse(line) as { url: string; s3Url: string };
      const body = chunked(Buffer.alloc(200_000, 6), true);
      for (let attempt = 0; attempt < 3; attempt++) {
        await raw(
          info.s3Url,
          'PUT',
          `/gncv-sandbox-uploads/crash-check-${attempt}`,
          chunkedHeaders(body.length, '200000'),
          body.subarray(0, 70_000),
          'destroy',
        );
        // the proxy has seen the disconnect once the request log says the request ended
        for (let i = 0; i < 100; i++) {
          const log = (await (await fetch(`${info.url}/_sandbox/requests`)).json()) as Array<{
            path: string;
          }>;
          if (log.some((r) => r.path === `/gncv-sandbox-uploads/crash-check-${attempt}`)) break;
          await new Promise((r) => setTimeout(r, 10));
        }
      }
      const health = await fetch(`${info.url}/_sandbox/health`);
      expect(health.status).toBe(200);
      const s3 = await fetch(`${info.s3Url}/gncv-sandbox-uploads/crash-check-0`, {
        headers: { authorization: AUTH },
      });
      expect(s3.status).toBe(404);
      expect(child.exitCode).toBeNull();
      expect(stderr).not.toMatch(/Unhandled|ERR_|Error:/);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});
