/**
 * A lab bucket on the sandbox's S3 (its admin key S3RVER/S3RVER) for URL-import and map-file
 * tests, and the environment that gives the CLI those AWS credentials — nothing else: no
 * profile files and no instance metadata, so the SDK never looks beyond 127.0.0.1.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Sandbox } from '@gencove/sandbox';
import { sandboxEnv } from './helpers/run-cli.js';

export const NO_AWS_CONFIG = {
  AWS_CONFIG_FILE: '/nonexistent/aws-config',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

export function labEnv(sandbox: Sandbox): NodeJS.ProcessEnv {
  return sandboxEnv(sandbox, {
    ...NO_AWS_CONFIG,
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_REGION: 'us-east-1',
  });
}

export interface LabBucket {
  bucket: string;
  dir: string;
  put(key: string, body?: Buffer): Promise<void>;
  presign(key: string, expiresIn?: number): Promise<string>;
  writeMap(rows: string[][], name?: string): Promise<string>;
  close(): Promise<void>;
}

export function fastqBytes(name: string): Buffer {
  return Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from(`@${name}\nACGT\n+\n!!!!\n`)]);
}

export async function createLabBucket(sandbox: Sandbox, bucket = 'lab-runs'): Promise<LabBucket> {
  const s3 = new S3Client({
    endpoint: sandbox.s3Url,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const dir = await mkdtemp(join(tmpdir(), 'gencove-cli-import-'));
  return {
    bucket,
    dir,
    async put(key, body = fastqBytes(key)) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    },
    presign(key, expiresIn = 7 * 24 * 3600) {
      return getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn });
    },
    async writeMap(rows, name = 'urls.fastq-map.csv') {
      const path = join(dir, name);
      await writeFile(
        path,
        `${['client_id,r_notation,path', ...rows.map((r) => r.join(','))].join('\n')}\n`,
      );
      return path;
    },
    async close() {
      s3.destroy();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
