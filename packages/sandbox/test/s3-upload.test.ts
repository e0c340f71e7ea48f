import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../src/index.js';
import { api, fastq } from './helpers.js';

let sb: Sandbox;

beforeAll(async () => {
  sb = await startSandbox({ pipeline: 'manual' });
});
afterAll(async () => {
  await sb?.close();
});

async function s3Client(): Promise<S3Client> {
  const creds = await api(sb, 'POST', '/api/v2/upload-credentials/', {});
  expect(creds.status).toBe(200);
  return new S3Client({
    endpoint: sb.s3Url,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: {
      accessKeyId: creds.body.access_key,
      secretAccessKey: creds.body.secret_key,
      sessionToken: creds.body.token,
    },
  });
}

async function reserve(path: string) {
  const res = await api(sb, 'POST', '/api/v2/uploads-post-data/', { destination_path: path });
  expect(res.status).toBe(201);
  expect(res.body.last_status.status).toBe('started');
  return res.body as { id: string; s3: { bucket: string; object_name: string } };
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('uploads through the S3 proxy with the AWS SDK v3', () => {
  it('single PutObject (default checksums) → upload succeeded, bytes intact', async () => {
    const client = await s3Client();
    const slot = await reserve('gncv://sdk-put/S1_R1.fastq.gz');
    const data = fastq(200, 'put');
    await client.send(
      new PutObjectCommand({ Bucket: slot.s3.bucket, Key: slot.s3.object_name, Body: data }),
    );
    expect(sb.control.getUpload(slot.id)?.status).toBe('succeeded');
    const stored = await sb.control.s3Object(slot.s3.bucket, slot.s3.object_name);
    expect(stored && sha(stored)).toBe(sha(data));
    client.destroy();
  });

  it('PutObject with a stream body (aws-chunked with trailing checksum) stores raw bytes', async () => {
    const client = await s3Client();
    const slot = await reserve('gncv://sdk-stream/S2_R1.fastq.gz');
    const data = fastq(5000, 'stream');
    await client.send(
      new PutObjectCommand({
        Bucket: slot.s3.bucket,
        Key: slot.s3.object_name,
        Body: Readable.from([data.subarray(0, 1000), data.subarray(1000)]),
        ContentLength: data.length,
      }),
    );
    const stored = await sb.control.s3Object(slot.s3.bucket, slot.s3.object_name);
    expect(stored?.length).toBe(data.length);
    expect(stored && sha(stored)).toBe(sha(data));
    expect(sb.control.getUpload(slot.id)?.status).toBe('succeeded');
    const put = sb.control.requests.find((r) => r.target === 's3' && r.method === 'PUT');
    expect(put?.status).toBe(200);
    client.destroy();
  });

  it('lib-storage multipart upload → upload succeeded, bytes intact', async () => {
    const client = await s3Client();
    const slot = await reserve('gncv://sdk-multipart/S3_R2.fastq.gz');
    const data = Buffer.alloc(12 * 1024 * 1024 + 123);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31 + 7) % 251;
    const upload = new Upload({
      client,
      params: { Bucket: slot.s3.bucket, Key: slot.s3.object_name, Body: data },
      partSize: 5 * 1024 * 1024,
      queueSize: 2,
    });
    await upload.done();
    const parts = sb.control.requests.filter(
      (r) => r.target === 's3' && r.method === 'PUT' && r.query.uploadId !== undefined,
    );
    expect(parts.length).toBe(3);
    expect(sb.control.getUpload(slot.id)?.status).toBe('succeeded');
    const stored = await sb.control.s3Object(slot.s3.bucket, slot.s3.object_name);
    expect(stored && sha(stored)).toBe(sha(data));
    client.destroy();
  });

  it('rejects expired upload credentials with ExpiredToken and unknown keys', async () => {
    const client = await s3Client();
    const slot = await reserve('gncv://sdk-expired/S4_R1.fastq.gz');
    sb.control.expireUploadCredentials();
    const err = await client
      .send(new PutObjectCommand({ Bucket: slot.s3.bucket, Key: slot.s3.object_name, Body: 'x' }))
      .then(
        () => undefined,
        (e: { name: string; $metadata: { httpStatusCode?: number } }) => e,
      );
    expect(err?.name).toBe('ExpiredToken');
    expect(err?.$metadata.httpStatusCode).toBe(400);
    expect(sb.control.getUpload(slot.id)?.status).toBe('started');
    client.destroy();

    const bogus = new S3Client({
      endpoint: sb.s3Url,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'ASIANOTISSUED', secretAccessKey: 'x', sessionToken: 't' },
    });
    const err2 = await bogus
      .send(new PutObjectCommand({ Bucket: slot.s3.bucket, Key: slot.s3.object_name, Body: 'x' }))
      .then(
        () => undefined,
        (e: { name: string; $metadata: { httpStatusCode?: number } }) => e,
      );
    expect(err2?.name).toBe('InvalidAccessKeyId');
    expect(err2?.$metadata.httpStatusCode).toBe(403);
    bogus.destroy();
  });

  it('upload credentials cannot write to the results bucket', async () => {
    const client = await s3Client();
    const err = await client
      .send(new PutObjectCommand({ Bucket: sb.control.buckets.results, Key: 'x', Body: 'x' }))
      .then(
        () => undefined,
        (e: { name: string }) => e,
      );
    expect(err?.name).toBe('AccessDenied');
    client.destroy();
  });
});
