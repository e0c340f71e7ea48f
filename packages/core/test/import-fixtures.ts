/**
 * A lab's own bucket on the sandbox's S3 (admin key S3RVER/S3RVER), FASTQs in it and URLs
 * presigned for them — the material of a URL import. Everything stays on 127.0.0.1.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { type Sandbox, type SandboxOptions, startSandbox } from '@gencove/sandbox';

export interface Lab {
  sandbox: Sandbox;
  s3: S3Client;
  bucket: string;
  dir: string;
  put(key: string, body: string | Buffer): Promise<void>;
  remove(key: string): Promise<void>;
  presign(key: string, options?: { expiresIn?: number; signingDate?: Date }): Promise<string>;
  /** Writes a map file into the lab's temp dir and returns its path. */
  writeMap(rows: Array<[string, string, string]>, name?: string): Promise<string>;
  close(): Promise<void>;
}

export async function startLab(options: SandboxOptions = {}): Promise<Lab> {
  const sandbox = await startSandbox(options);
  const s3 = new S3Client({
    endpoint: sandbox.s3Url,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  const bucket = 'lab-runs';
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const dir = await mkdtemp(join(tmpdir(), 'gencove-import-'));
  return {
    sandbox,
    s3,
    bucket,
    dir,
    async put(key, body) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    },
    async remove(key) {
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
    presign(key, { expiresIn = 7 * 24 * 3600, signingDate } = {}) {
      return getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: key }), {
        expiresIn,
        ...(signingDate ? { signingDate } : {}),
      });
    },
    async writeMap(rows, name = 'urls.fastq-map.csv') {
      const path = join(dir, name);
      const lines = ['client_id,r_notation,path', ...rows.map((r) => r.join(','))];
      await writeFile(path, `${lines.join('\n')}\n`);
      return path;
    },
    async close() {
      s3.destroy();
      await sandbox.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A loopback port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Small gzip-looking FASTQ bytes. */
export function fastqBytes(name: string): Buffer {
  return Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from(`@${name}\nACGT\n+\n!!!!\n`)]);
}
