import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListPartsCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../src/index.js';
import { api } from './helpers.js';

let sb: Sandbox;
let client: S3Client;
let slot: { s3: { bucket: string; object_name: string } };

beforeAll(async () => {
  sb = await startSandbox({ pipeline: 'manual' });
  const creds = await api(sb, 'POST', '/api/v2/upload-credentials/', {});
  client = new S3Client({
    endpoint: sb.s3Url,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: {
      accessKeyId: creds.body.access_key,
      secretAccessKey: creds.body.secret_key,
      sessionToken: creds.body.token,
    },
  });
  const reserved = await api(sb, 'POST', '/api/v2/uploads-post-data/', {
    destination_path: 'gncv://list-parts/S1_R1.fastq.gz',
  });
  slot = reserved.body;
});

afterAll(async () => {
  client?.destroy();
  await sb?.close();
});

describe('ListParts through the S3 proxy (s3rver lacks it)', () => {
  it('lists the parts S3 stored, pages with max-parts, and forgets a completed upload', async () => {
    const Bucket = slot.s3.bucket;
    const Key = slot.s3.object_name;
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    const sizes = [5 * 1024 * 1024, 5 * 1024 * 1024, 1234];
    const etags: string[] = [];
    for (const [i, size] of sizes.entries()) {
      const out = await client.send(
        new UploadPartCommand({
          Bucket,
          Key,
          UploadId,
          PartNumber: i + 1,
          Body: Buffer.alloc(size, i + 1),
        }),
      );
      etags.push(out.ETag!);
    }

    const listed = await client.send(new ListPartsCommand({ Bucket, Key, UploadId }));
    expect(listed.IsTruncated).toBe(false);
    expect(listed.Parts?.map((p) => [p.PartNumber, p.Size, p.ETag])).toEqual(
      sizes.map((size, i) => [i + 1, size, etags[i]]),
    );

    const first = await client.send(new ListPartsCommand({ Bucket, Key, UploadId, MaxParts: 2 }));
    expect(first.IsTruncated).toBe(true);
    expect(first.Parts?.map((p) => p.PartNumber)).toEqual([1, 2]);
    const rest = await client.send(
      new ListPartsCommand({
        Bucket,
        Key,
        UploadId,
        PartNumberMarker: first.NextPartNumberMarker,
      }),
    );
    expect(rest.Parts?.map((p) => p.PartNumber)).toEqual([3]);

    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket,
        Key,
        UploadId,
        MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
      }),
    );
    await expect(client.send(new ListPartsCommand({ Bucket, Key, UploadId }))).rejects.toThrow(
      /NoSuchUpload|does not exist/,
    );
  });

  it('answers NoSuchUpload for an aborted or unknown upload', async () => {
    const Bucket = slot.s3.bucket;
    const Key = `${slot.s3.object_name}.second`;
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    await client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId }));
    await expect(client.send(new ListPartsCommand({ Bucket, Key, UploadId }))).rejects.toThrow(
      /NoSuchUpload|does not exist/,
    );
    await expect(
      client.send(new ListPartsCommand({ Bucket, Key, UploadId: 'no-such-upload' })),
    ).rejects.toThrow(/NoSuchUpload|does not exist/);
  });
});
