/**
 * Delivery into a second, independent S3 (an s3rver on 127.0.0.1, bucket "lab-results"), the
 * way a lab delivers into its own bucket: streamed from the presigned URLs, no local disk.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { type Sandbox, startSandbox } from '@gencove/sandbox';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  DownloadFailedError,
  DownloadInputError,
  type DownloadOptions,
  downloadDeliverables,
  GencoveClient,
} from '../src/index.js';
import { addSamples, countingAgent, createProject, fastq, sha256 } from './download-helpers.js';

interface S3rverLike {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
  httpServer?: { closeAllConnections(): void };
}

let sb: Sandbox;
let client: GencoveClient;
let projectId: string;
let ids: Record<string, string>;
let lab: S3rverLike;
let labDir: string;
let endpoint: string;
let s3: S3Client;
const savedEnv = { ...process.env };

async function stored(sampleId: string, fileType: string): Promise<Buffer> {
  const file = sb.control.getSample(sampleId)!.files.find((f) => f.file_type === fileType)!;
  return (await sb.control.s3Object(file.bucket, file.key))!;
}

async function object(key: string) {
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'lab-results', Key: key }));
    const get = await s3.send(new GetObjectCommand({ Bucket: 'lab-results', Key: key }));
    return {
      metadata: head.Metadata ?? {},
      body: Buffer.from(await get.Body!.transformToByteArray()),
    };
  } catch (error) {
    if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) {
      return undefined;
    }
    throw error;
  }
}

const deliver = (options: Partial<DownloadOptions>) =>
  downloadDeliverables(client, {
    destination: 's3://lab-results/deliveries/2026-11',
    projectId,
    s3: { endpoint, partSize: 5 * 1024 * 1024, queueSize: 2 },
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
    ...options,
  });

beforeAll(async () => {
  sb = await startSandbox({ pipeline: 'instant' });
  client = new GencoveClient({ host: sb.url, apiKey: sb.apiKey });
  projectId = await createProject(sb, 'delivery');
  ids = await addSamples(sb, projectId, 'deliver', {
    'D01_R1.fastq.gz': fastq(6 * 1024 * 1024, 'd01'),
    'D02_R1.fastq.gz': fastq(40 * 1024, 'd02'),
  });
  labDir = await mkdtemp(join(tmpdir(), 'gencove-lab-s3-'));
  // s3rver ships no type declarations; only run/close are used.
  const { default: S3rver } = (await import('s3rver' as string)) as {
    default: new (options: object) => S3rverLike;
  };
  lab = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: labDir,
    configureBuckets: [{ name: 'lab-results' }],
  });
  endpoint = `http://127.0.0.1:${(await lab.run()).port}`;
  // The job uses the default AWS provider chain, as in production.
  process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
  process.env.AWS_REGION = 'us-east-1';
  s3 = new S3Client({
    endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
});
afterEach(() => {
  sb.control.corruptDownloads(false);
});
afterAll(async () => {
  process.env = savedEnv;
  s3?.destroy();
  await client?.close();
  await sb?.close();
  lab?.httpServer?.closeAllConnections();
  await lab?.close();
  await rm(labDir, { recursive: true, force: true });
});

describe('delivery to s3://bucket/prefix', () => {
  it('streams every file into the bucket, with its sha256 as object metadata', async () => {
    const result = await deliver({ checksums: true });
    expect(result.destination).toBe('s3://lab-results/deliveries/2026-11/');
    expect(result.totals.failed).toBe(0);
    const d01 = await client.getSample(ids.D01!);
    for (const file of d01.files) {
      const name = new URL(file.download_url!).searchParams
        .get('response-content-disposition')!
        .split('filename=')[1]!;
      const key = `deliveries/2026-11/D01/${d01.id}/${name}`;
      const got = (await object(key))!;
      expect(got.body.equals(await stored(d01.id, file.file_type!))).toBe(true);
      if (file.checksum_sha256) {
        expect(got.metadata.sha256).toBe(file.checksum_sha256);
        expect((await object(`${key}.sha256`))!.body.toString()).toBe(
          `${file.checksum_sha256} *${name}\n`,
        );
      }
    }
    // 6 MiB over 5 MiB parts: a real multipart upload, still byte-exact
    const fq = result.files.find((f) => f.sampleId === d01.id && f.fileType === 'fastq-r1')!;
    expect(fq.bytes).toBeGreaterThan(5 * 1024 * 1024);
    const qc = await object(`deliveries/2026-11/D01/${d01.id}/${d01.id}_qc.json`);
    expect(JSON.parse(qc!.body.toString()).length).toBeGreaterThan(0);
  });

  it('a re-run skips what is already there (same size and sha256) without fetching it', async () => {
    const wire = countingAgent();
    const again = await deliver({ dispatcher: wire.dispatcher });
    expect(again.totals.downloaded).toBe(0);
    expect(again.files.every((f) => f.outcome === 'skipped')).toBe(true);
    expect(again.files.filter((f) => f.skipReason === 'same-sha256').every((f) => f.verified)).toBe(
      true,
    );
    expect(wire.records).toEqual([]);
    await wire.dispatcher.close();
  });

  it('a corrupted body never becomes an object', async () => {
    sb.control.corruptDownloads(true);
    const error = await deliver({
      destination: 's3://lab-results/corrupt',
      sampleIds: [ids.D02!],
      projectId: undefined,
      fileTypes: ['impute-vcf'],
    }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error).toBeInstanceOf(DownloadFailedError);
    expect((error as DownloadFailedError).code).toBe('ERR_GENCOVE_CHECKSUM');
    const target = (error as DownloadFailedError).failures[0]!.target;
    expect(target.startsWith('s3://lab-results/corrupt/D02/')).toBe(true);
    expect((error as DownloadFailedError).failures[0]!.error.message).toContain(
      'no object was written',
    );
    expect(await object(target.slice('s3://lab-results/'.length))).toBeUndefined();
  });

  it('without verification no sha256 is recorded, so a later run cannot skip on its word', async () => {
    const options = {
      destination: 's3://lab-results/unverified',
      sampleIds: [ids.D02!],
      projectId: undefined,
      fileTypes: ['impute-vcf'],
    };
    // The bytes are corrupt, but nothing checks them (verify: false)…
    sb.control.corruptDownloads(true);
    const first = await deliver({ ...options, verify: false });
    sb.control.corruptDownloads(false);
    const target = first.files[0]!;
    expect(target).toMatchObject({ outcome: 'downloaded', verified: false });
    const key = target.target.slice('s3://lab-results/'.length);
    expect((await object(key))!.metadata.sha256).toBeUndefined();
    // …so the next verified run replaces the object instead of trusting it.
    const second = await deliver(options);
    expect(second.files[0]).toMatchObject({ outcome: 'downloaded', verified: true });
    const got = (await object(key))!;
    expect(sha256(got.body)).toBe(got.metadata.sha256);
    expect(got.body.equals(await stored(ids.D02!, 'impute-vcf'))).toBe(true);
  });

  it('a missing bucket is reported before any transfer', async () => {
    sb.control.clearRequests();
    const error = await deliver({ destination: 's3://no-such-bucket/x' }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error).toBeInstanceOf(DownloadInputError);
    expect(error!.message).toContain('no-such-bucket does not exist');
    expect(sb.control.requests.filter((r) => r.target === 's3')).toEqual([]);
  });

  it('an S3 endpoint nobody answers on is a network error (exit 5), not bad input', async () => {
    const dead = new S3Client({
      endpoint: 'http://127.0.0.1:9',
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      maxAttempts: 1,
    });
    const error = await deliver({ s3: { client: dead } }).then(
      () => undefined,
      (e: Error & { code?: string }) => e,
    );
    expect(error).toMatchObject({ code: 'ERR_GENCOVE_NETWORK' });
    expect(error!.message).toContain('lab-results cannot be reached');
    dead.destroy();
  });

  it('checks the bytes it streams (sha256 of the object = API checksum)', async () => {
    const d02 = await client.getSample(ids.D02!);
    const vcf = d02.files.find((f) => f.file_type === 'impute-vcf')!;
    const name = new URL(vcf.download_url!).searchParams
      .get('response-content-disposition')!
      .split('filename=')[1]!;
    const got = await object(`deliveries/2026-11/D02/${d02.id}/${name}`);
    expect(sha256(got!.body)).toBe(vcf.checksum_sha256);
  });
});
