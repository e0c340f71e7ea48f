/**
 * S3 delivery under transient S3 faults (found by the chaos suite): the delivery client retries
 * like the GET side does, and what it cannot recover from is named with operation, object and
 * HTTP status instead of the SDK's bare "UnknownError".
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { type Sandbox, startSandbox } from '@gencove/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DownloadFailedError, downloadDeliverables, GencoveClient } from '../src/index.js';
import { DELIVERY_S3_MAX_ATTEMPTS } from '../src/jobs/download/s3-delivery.js';

let sb: Sandbox;
let client: GencoveClient;
let sampleId: string;
let root: string;
const savedEnv = { ...process.env };

beforeAll(async () => {
  sb = await startSandbox({ pipeline: 'instant' });
  client = new GencoveClient({ host: sb.url, apiKey: sb.apiKey });
  root = await mkdtemp(join(tmpdir(), 'gencove-dl-s3-faults-'));
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: join(root, 'none'),
    AWS_SHARED_CREDENTIALS_FILE: join(root, 'none'),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
  const s3 = new S3Client({
    endpoint: sb.s3Url,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  await s3.send(new CreateBucketCommand({ Bucket: 'lab-delivery' }));
  s3.destroy();
  const res = await fetch(
    `${sb.url}/api/v2/project-samples/${sb.projects.default}?search=SEED-A01`,
    { headers: { authorization: `Api-Key ${sb.apiKey}` } },
  );
  sampleId = ((await res.json()) as { results: Array<{ id: string }> }).results[0]!.id;
});

afterAll(async () => {
  process.env = savedEnv;
  await client?.close();
  await sb?.close();
  await rm(root, { recursive: true, force: true });
});

const failFirst = (operation: string, times: number) => ({
  seed: 1,
  profile: {
    name: `${operation}-fails-${times}`,
    rules: [
      {
        match: { target: 's3' as const, operation },
        sequence: Array.from({ length: times }, () => ({ type: 'status' as const, status: 503 })),
      },
    ],
  },
});

const deliver = (prefix: string) =>
  downloadDeliverables(client, {
    sampleIds: [sampleId],
    fileTypes: ['impute-vcf', 'impute-tbi'],
    destination: `s3://lab-delivery/${prefix}`,
    s3: { endpoint: sb.s3Url },
    retry: { baseDelayMs: 5, maxDelayMs: 20 },
  });

describe('S3 delivery under transient S3 errors', () => {
  it('retries each S3 request up to DELIVERY_S3_MAX_ATTEMPTS times (the SDK default gave up at 3)', async () => {
    expect(DELIVERY_S3_MAX_ATTEMPTS).toBe(8);
    sb.control.setChaos(failFirst('PutObject', 4));
    try {
      const result = await deliver('retried');
      expect(result.totals).toMatchObject({ downloaded: 2, failed: 0 });
    } finally {
      sb.control.setChaos(null);
    }
    const puts = sb.control.requests.filter(
      (r) => r.method === 'PUT' && r.path.startsWith('/lab-delivery/retried/'),
    );
    // per object: four 503s, then the PUT that lands
    expect(puts.filter((r) => r.status === 503)).toHaveLength(8);
    expect(puts.filter((r) => r.status === 200)).toHaveLength(2);
  });

  it('a HEAD that keeps failing is reported with operation, object and status', async () => {
    sb.control.setChaos(failFirst('HeadObject', 100));
    try {
      const error = await deliver('unreachable').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DownloadFailedError);
      const messages = (error as DownloadFailedError).failures.map((f) => String(f.error.message));
      expect(messages).toHaveLength(2);
      for (const message of messages) {
        expect(message).toMatch(
          /^S3 HeadObject of s3:\/\/lab-delivery\/unreachable\/.+ failed \(HTTP 503\)$/,
        );
      }
    } finally {
      sb.control.setChaos(null);
    }
  });
});
