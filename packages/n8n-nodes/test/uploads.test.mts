import { randomBytes } from 'node:crypto';
import { expect, test } from 'vitest';
import { useSandboxAndN8n } from './setup.mjs';

const env = useSandboxAndN8n({ pipeline: 'instant' });

test('upload from binary: streamed, byte-exact on S3 (multipart too), assigned to the project', async () => {
  const r1 = randomBytes(17 * 1024 * 1024 + 123); // > one 16 MiB part: multipart
  const r2 = randomBytes(64 * 1024);
  const input = [
    { json: {}, binary: { data: await env.n8n.binary(r1, 'N8N-S1_R1.fastq.gz') } },
    { json: {}, binary: { data: await env.n8n.binary(r2, 'N8N-S1_R2.fastq.gz') } },
  ];
  const out = await env.n8n.runNode(
    'gencove',
    {
      resource: 'upload',
      operation: 'uploadBinary',
      binaryPropertyName: 'data',
      destination: 'gncv://n8n-test-run/',
      assign: true,
      projectId: env.sandbox.projects.default,
      metadata: '{"source": "n8n"}',
    },
    input,
  );
  expect(out.error).toBeUndefined();
  expect(out.items).toHaveLength(2);
  for (const [i, bytes] of [r1, r2].entries()) {
    const item = out.items[i]!;
    expect(item.pairedItem).toEqual({ item: i });
    expect(item.json.outcome).toBe('uploaded');
    expect(item.json.destinationPath).toBe(`gncv://n8n-test-run/N8N-S1_R${i + 1}.fastq.gz`);
    const upload = env.sandbox.control.getUpload(String(item.json.uploadId))!;
    const stored = await env.sandbox.control.s3Object(upload.bucket, upload.key);
    expect(stored?.equals(bytes)).toBe(true);
    const sample = item.json.sample as { sample: string; client_id: string };
    expect(sample.client_id).toBe('N8N-S1');
    expect(env.sandbox.control.getSample(sample.sample)!.metadata).toEqual({ source: 'n8n' });
  }
  expect(
    env.sandbox.control.requests.some((r) => r.target === 's3' && r.query.uploadId !== undefined),
  ).toBe(true);
});

test('upload from binary: a bad file name fails before anything is reserved', async () => {
  env.sandbox.control.clearRequests();
  const out = await env.n8n.runNode(
    'gencove',
    { resource: 'upload', operation: 'uploadBinary', binaryPropertyName: 'data' },
    [{ json: {}, binary: { data: await env.n8n.binary(randomBytes(10), 'reads.txt') } }],
  );
  expect(out.error?.message).toMatch(/must end in \.fastq\.gz/);
  expect(env.sandbox.control.requests.filter((r) => r.path.includes('uploads-post-data'))).toEqual(
    [],
  );
});

test('import from URLs (item fields): registered and assigned', async () => {
  const source = `${env.sandbox.s3Url}/public/run-19`;
  const out = await env.n8n.runNode(
    'gencove',
    {
      resource: 'upload',
      operation: 'importUrls',
      urlSource: 'fields',
      clientId: '={{ $json.id }}',
      r1Url: `={{ "${source}/" + $json.id + "_R1.fastq.gz" }}`,
      r2Url: '',
      assign: true,
      projectId: env.sandbox.projects.default,
    },
    [{ json: { id: 'URL-A1' } }, { json: { id: 'URL-A2' } }],
  );
  expect(out.error).toBeUndefined();
  expect(out.items).toHaveLength(2);
  for (const [i, id] of ['URL-A1', 'URL-A2'].entries()) {
    const json = out.items[i]!.json as {
      uploads: Array<{ uploadId: string; clientId: string }>;
      samples: Array<{ client_id: string }>;
    };
    expect(json.uploads.map((u) => u.clientId)).toEqual([id]);
    expect(env.sandbox.control.getUpload(json.uploads[0]!.uploadId)!.source_url).toContain(id);
    expect(json.samples.map((s) => s.client_id)).toEqual([id]);
  }
});

test('import from URLs: an underscore in a client ID is refused before anything is sent', async () => {
  const out = await env.n8n.runNode(
    'gencove',
    {
      resource: 'upload',
      operation: 'importUrls',
      urlSource: 'fields',
      clientId: 'BAD_ID',
      r1Url: 'https://storage.example.net/BAD_ID_R1.fastq.gz',
    },
    [],
  );
  expect(out.error?.message).toMatch(/must not contain "_"/);
});
