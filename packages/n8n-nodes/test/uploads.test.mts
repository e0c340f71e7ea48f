import { randomBytes } from 'node:crypto';
import { expect, test } from 'vitest';
import { useSandboxAndN8n } from './setup.mjs';

const env = useSandboxAndN8n({ pipeline: 'instant' });

test('upload from binary: streamed, byte-exact on S3 (multipart too), assigned to the project', async () => {
  const r1 = randomBytes(17 * 1024 * 1024 + 123); // three 8 MiB parts: multipart
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

test('upload from binary: in-memory data to a generated gncv://n8n-… folder; a re-run skips it', async () => {
  const bytes = randomBytes(200_000);
  const input = [
    {
      json: {},
      binary: {
        data: {
          data: bytes.toString('base64'),
          mimeType: 'application/gzip',
          fileName: 'MEM-S1_R1.fastq.gz',
        },
      },
    },
  ];
  const parameters = { resource: 'upload', operation: 'uploadBinary', binaryPropertyName: 'data' };
  const first = await env.n8n.runNode('gencove', { ...parameters, destination: '' }, input);
  expect(first.error).toBeUndefined();
  const json = first.items[0]!.json;
  expect(json).toMatchObject({ outcome: 'uploaded', bytes: bytes.length, clientId: 'MEM-S1' });
  expect(json.destinationPath).toMatch(/^gncv:\/\/n8n-\d{14}-[0-9a-f]{32}\/MEM-S1_R1\.fastq\.gz$/);
  const upload = env.sandbox.control.getUpload(String(json.uploadId))!;
  expect((await env.sandbox.control.s3Object(upload.bucket, upload.key))?.equals(bytes)).toBe(true);

  env.sandbox.control.clearRequests();
  const folder = String(json.destinationPath).replace(/[^/]+$/, '');
  const again = await env.n8n.runNode('gencove', { ...parameters, destination: folder }, input);
  expect(again.error).toBeUndefined();
  expect(again.items[0]!.json).toMatchObject({
    outcome: 'already-uploaded',
    bytes: 0,
    uploadId: json.uploadId,
  });
  expect(env.sandbox.control.requests.filter((r) => r.target === 's3')).toEqual([]);
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

test('upload from binary with Continue On Fail: a failing item reports its error, the others go on', async () => {
  const files = {
    good: randomBytes(50_000),
    pairR1: randomBytes(40_000),
    pairR2: randomBytes(30_000),
  };
  const input = [
    { json: {}, binary: { data: await env.n8n.binary(files.good, 'CF-S1_R1.fastq.gz') } },
    { json: {}, binary: { data: await env.n8n.binary(randomBytes(10), 'reads.txt') } },
    { json: {}, binary: { data: await env.n8n.binary(files.pairR1, 'CF-S2_R1.fastq.gz') } },
    { json: {}, binary: { data: await env.n8n.binary(files.pairR2, 'CF-S2_R2.fastq.gz') } },
  ];
  // S3 refuses every R2 object: CF-S2's R2 cannot be uploaded
  env.sandbox.control.addFault({
    match: { target: 's3', method: 'PUT', path: /\.fastq-r2$/ },
    times: Number.POSITIVE_INFINITY,
    fault: { type: 'status', status: 400 },
  });
  let out: Awaited<ReturnType<typeof env.n8n.runNode>>;
  try {
    out = await env.n8n.runNode(
      'gencove',
      {
        resource: 'upload',
        operation: 'uploadBinary',
        binaryPropertyName: 'data',
        destination: 'gncv://n8n-continue-on-fail/',
        assign: true,
        projectId: env.sandbox.projects.default,
      },
      input,
      { continueOnFail: true },
    );
  } finally {
    env.sandbox.control.clearFaults();
  }
  expect(out.error).toBeUndefined();
  expect(out.items.map((i) => i.pairedItem)).toEqual([0, 1, 2, 3].map((item) => ({ item })));
  const [good, badName, pairR1, pairR2] = out.items.map((i) => i.json);
  expect(good).toMatchObject({ outcome: 'uploaded', clientId: 'CF-S1' });
  expect((good!.sample as { client_id: string }).client_id).toBe('CF-S1');
  expect(badName).toEqual({
    error: expect.stringMatching(/^Item 1: file name "reads\.txt" must end in/),
  });
  expect(pairR2).toEqual({
    error: expect.stringMatching(/^S3 refused to upload gncv:\/\/n8n-continue-on-fail\/CF-S2_R2/),
  });
  // R1 of CF-S2 is on S3, but the sample is not created without its R2
  expect(pairR1).toMatchObject({ outcome: 'uploaded', clientId: 'CF-S2' });
  expect(pairR1!.sample).toBeUndefined();
  expect(pairR1!.note).toMatch(/not assigned: another file of sample CF-S2 failed/);
  const r1 = env.sandbox.control.getUpload(String(pairR1!.uploadId))!;
  expect((await env.sandbox.control.s3Object(r1.bucket, r1.key))?.equals(files.pairR1)).toBe(true);
  const { items: samples } = await env.n8n.runNode(
    'gencove',
    {
      resource: 'sample',
      operation: 'getAll',
      projectId: env.sandbox.projects.default,
      returnAll: true,
    },
    [],
  );
  const clientIds = samples.map((s) => s.json.client_id);
  expect(clientIds).toContain('CF-S1');
  expect(clientIds).not.toContain('CF-S2');
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

test('import from URLs: item problems are found by core, named by item, before anything is sent', async () => {
  env.sandbox.control.clearRequests();
  const out = await env.n8n.runNode(
    'gencove',
    {
      resource: 'upload',
      operation: 'importUrls',
      urlSource: 'fields',
      clientId: '={{ $json.id }}',
      r1Url: '={{ "https://storage.example.net/" + $json.id + "_R1.fastq.gz" }}',
      r2Url: '={{ $json.r2 ?? "" }}',
    },
    [
      { json: { id: 'GOOD' } },
      { json: { id: 'BAD_ID' } },
      { json: { id: 'TXT', r2: 'https://storage.example.net/TXT_R2.txt' } },
    ],
  );
  expect(out.error?.message).toMatch(/^Item 1: client_id "BAD_ID" contains "_"/);
  expect(out.error?.description).toMatch(
    /\nItem 2: URL "https:\/\/storage\.example\.net\/TXT_R2\.txt" must name a file ending in \.fastq\.gz/,
  );
  expect(env.sandbox.control.requests).toEqual([]);
});

test('import from URLs with Continue On Fail: rejected items report their error, the others are imported', async () => {
  const source = `${env.sandbox.s3Url}/public/run-19`;
  const parameters = {
    resource: 'upload',
    operation: 'importUrls',
    urlSource: 'fields',
    clientId: '={{ $json.id }}',
    r1Url: `={{ $json.r1 ?? "${source}/" + $json.id + "_R1.fastq.gz" }}`,
    r2Url: '',
  };
  const input = [
    { json: { id: 'CF-U1' } },
    { json: { id: 'BAD_ID' } },
    { json: { id: 'CF-U2', r1: '' } },
    { json: { id: 'CF-U3' } },
  ];
  const out = await env.n8n.runNode('gencove', parameters, input, { continueOnFail: true });
  expect(out.error).toBeUndefined();
  expect(out.items.map((i) => i.pairedItem)).toEqual([0, 1, 2, 3].map((item) => ({ item })));
  const [u1, bad, empty, u3] = out.items.map((i) => i.json);
  expect(bad).toEqual({ error: expect.stringMatching(/^Item 1: client_id "BAD_ID" contains "_"/) });
  expect(empty).toEqual({ error: 'Item 2: the R1 URL is empty' });
  for (const [json, id] of [
    [u1, 'CF-U1'],
    [u3, 'CF-U3'],
  ] as const) {
    const uploads = json!.uploads as Array<{ clientId: string; uploadId: string }>;
    expect(uploads.map((u) => u.clientId)).toEqual([id]);
    expect(env.sandbox.control.getUpload(uploads[0]!.uploadId)!.source_url).toContain(id);
  }

  // a failure of the import as a whole (here: an unknown project) is reported on every item
  const missingProject = await env.n8n.runNode(
    'gencove',
    { ...parameters, assign: true, projectId: '00000000-0000-4000-8000-000000000000' },
    [{ json: { id: 'CF-U4' } }, { json: { id: 'CF-U5' } }],
    { continueOnFail: true },
  );
  expect(missingProject.error).toBeUndefined();
  expect(missingProject.items).toHaveLength(2);
  for (const [i, item] of missingProject.items.entries()) {
    expect(item.pairedItem).toEqual({ item: i });
    expect(item.json.error).toMatch(/not found/i);
  }
});

test('import from URLs (map file in binary data): registered; a local path is refused', async () => {
  const source = `${env.sandbox.s3Url}/public/run-19`;
  const text = [
    'client_id,r_notation,path',
    `URL-M1,R1,${source}/URL-M1_R1.fastq.gz`,
    `URL-M1,R2,${source}/URL-M1_R2.fastq.gz`,
  ].join('\n');
  const parameters = {
    resource: 'upload',
    operation: 'importUrls',
    urlSource: 'mapFile',
    mapFileProperty: 'map',
  };
  const mapItem = async (content: string) => ({
    json: {},
    binary: { map: await env.n8n.binary(Buffer.from(content), 'run.fastq-map.csv', 'text/csv') },
  });
  const out = await env.n8n.runNode('gencove', parameters, [await mapItem(text)]);
  expect(out.error).toBeUndefined();
  const uploads = out.items[0]!.json.uploads as Array<{ clientId: string; read: string }>;
  expect(uploads.map((u) => [u.clientId, u.read])).toEqual([
    ['URL-M1', 'R1'],
    ['URL-M1', 'R2'],
  ]);

  env.sandbox.control.clearRequests();
  const local = await env.n8n.runNode('gencove', parameters, [
    await mapItem('client_id,r_notation,path\nL1,R1,/etc/L1_R1.fastq.gz\n'),
  ]);
  expect(local.error?.message).toMatch(
    /Invalid map file run\.fastq-map\.csv[\s\S]*line 2: path "\/etc\/L1_R1\.fastq\.gz" is not an http\(s\) URL/,
  );
  expect(env.sandbox.control.requests).toEqual([]);
});
