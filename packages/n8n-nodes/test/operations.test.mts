import { formatMetadataDownloadFile, formatQcJson, GencoveClient } from '@gencove/core';
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';
import { expect, test } from 'vitest';
import { useSandboxAndN8n } from './setup.mjs';

const env = useSandboxAndN8n({ pipeline: 'instant' });

const run = (parameters: IDataObject, input: INodeExecutionData[] = [], options = {}) =>
  env.n8n.runNode('gencove', parameters, input, options);

async function seeded() {
  const { items } = await run({
    resource: 'sample',
    operation: 'getAll',
    projectId: env.sandbox.projects.default,
    returnAll: true,
  });
  const byClient = (id: string) => items.find((i) => i.json.client_id === id)!.json;
  return { items, byClient };
}

test('project: list and get', async () => {
  const all = await run({ resource: 'project', operation: 'getAll', returnAll: true });
  expect(all.error).toBeUndefined();
  const ids = all.items.map((i) => i.json.id);
  expect(ids).toContain(env.sandbox.projects.default);
  expect(ids).toContain(env.sandbox.projects.empty);
  const limited = await run({
    resource: 'project',
    operation: 'getAll',
    returnAll: false,
    limit: 1,
  });
  expect(limited.items).toHaveLength(1);
  const one = await run({
    resource: 'project',
    operation: 'get',
    projectId: env.sandbox.projects.default,
  });
  expect(one.items[0]!.json.id).toBe(env.sandbox.projects.default);
  expect(one.items[0]!.pairedItem).toEqual({ item: 0 });
});

test('sample: list with filters, limit, get, QC, metadata round trip', async () => {
  const { items, byClient } = await seeded();
  expect(items.length).toBeGreaterThanOrEqual(4);
  const failedOnly = await run({
    resource: 'sample',
    operation: 'getAll',
    projectId: env.sandbox.projects.default,
    returnAll: true,
    filters: { status: 'failed' },
  });
  expect(
    failedOnly.items.map((i) => (i.json.last_status as { status: string }).status),
  ).not.toContain('succeeded');
  const two = await run({
    resource: 'sample',
    operation: 'getAll',
    projectId: env.sandbox.projects.default,
    returnAll: false,
    limit: 2,
  });
  expect(two.items).toHaveLength(2);

  const failedQc = byClient('SEED-A02-FAILQC');
  const got = await run({ resource: 'sample', operation: 'get', sampleId: failedQc.id });
  expect(got.items[0]!.json.id).toBe(failedQc.id);
  const qc = await run({ resource: 'sample', operation: 'getQc', sampleId: failedQc.id });
  const results = qc.items[0]!.json.results as Array<{ quality_control: { status: string } }>;
  expect(results.some((r) => r.quality_control.status === 'failed')).toBe(true);

  const set = await run({
    resource: 'sample',
    operation: 'setMetadata',
    sampleId: failedQc.id,
    metadata: '{"batch": "2026-01", "lab": "north"}',
  });
  expect(set.items[0]!.json.metadata).toEqual({ batch: '2026-01', lab: 'north' });
  const read = await run({ resource: 'sample', operation: 'getMetadata', sampleId: failedQc.id });
  expect(read.items[0]!.json.metadata).toEqual({ batch: '2026-01', lab: 'north' });
  expect(env.sandbox.control.getSample(String(failedQc.id))!.metadata).toEqual({
    batch: '2026-01',
    lab: 'north',
  });
});

test('sample: restore an archived sample', async () => {
  const { byClient } = await seeded();
  const archived = byClient('SEED-A04');
  const out = await run({
    resource: 'sample',
    operation: 'restore',
    projectId: env.sandbox.projects.default,
    sampleIds: String(archived.id),
  });
  expect(out.error).toBeUndefined();
  // the instant pipeline completes restores at once
  expect(['restore_requested', 'restored']).toContain(
    env.sandbox.control.getSample(String(archived.id))!.archive_last_status.status,
  );
  expect(
    env.sandbox.control.requests.some(
      (r) => r.method === 'POST' && r.path.startsWith('/api/v2/project-restore-samples/'),
    ),
  ).toBe(true);
});

test('errors: NodeApiError for a 404, continueOnFail keeps going per item with pairedItem', async () => {
  const missing = '00000000-0000-4000-8000-000000000000';
  const failed = await run({ resource: 'sample', operation: 'get', sampleId: missing });
  const error = failed.error as unknown as { name: string; httpCode: string };
  expect([error.name, error.httpCode]).toEqual(['NodeApiError', '404']);
  expect(failed.error?.message).toMatch(/not found/i);

  const { byClient } = await seeded();
  const good = String(byClient('SEED-A02-FAILQC').id);
  const items = [{ json: { id: missing } }, { json: { id: good } }];
  const mixed = await run(
    { resource: 'sample', operation: 'get', sampleId: '={{ $json.id }}' },
    items as never,
    { continueOnFail: true },
  );
  expect(mixed.error).toBeUndefined();
  expect(mixed.items).toHaveLength(2);
  expect(mixed.items[0]!.json.error).toMatch(/not found/i);
  expect(mixed.items[0]!.pairedItem).toEqual({ item: 0 });
  expect(mixed.items[1]!.json.id).toBe(good);
  expect(mixed.items[1]!.pairedItem).toEqual({ item: 1 });
});

test('email/password credential logs in through core (JWT)', async () => {
  const out = await run({
    resource: 'project',
    operation: 'getAll',
    authentication: 'emailPassword',
    returnAll: true,
  });
  expect(out.error).toBeUndefined();
  expect(out.items.length).toBeGreaterThan(0);
  expect(env.sandbox.control.requests.some((r) => r.path === '/api/v2/jwt-create/')).toBe(true);
});

test('deliverable: download is byte-exact, URLs and checksum', async () => {
  const { byClient } = await seeded();
  const sample = env.sandbox.control.getSample(String(byClient('SEED-A02-FAILQC').id))!;
  const out = await run({
    resource: 'deliverable',
    operation: 'download',
    sampleId: sample.id,
    fileTypes: '',
    binaryPropertyName: 'file',
  });
  expect(out.error).toBeUndefined();
  // every deliverable, then the QC and metadata JSON, as `gencove download` delivers them
  expect(out.items).toHaveLength(sample.files.length + 2);
  expect(out.items.map((i) => i.json.fileType)).toEqual([
    ...sample.files.map((f) => f.file_type),
    'qc',
    'metadata',
  ]);
  const api = new GencoveClient({ host: env.sandbox.url, apiKey: env.sandbox.apiKey });
  const json = {
    qc: formatQcJson(await api.getSampleQc(sample.id)),
    metadata: formatMetadataDownloadFile(await api.getSampleMetadata(sample.id)),
  };
  await api.close();
  for (const item of out.items.slice(sample.files.length)) {
    const fileType = item.json.fileType as 'qc' | 'metadata';
    expect(item.json.fileId).toBeNull();
    expect(item.binary!.file!.fileName).toBe(`${sample.id}_${fileType}.json`);
    expect(item.binary!.file!.mimeType).toBe('application/json');
    expect((await env.n8n.readBinary(item.binary!.file!)).toString()).toBe(json[fileType]);
  }
  const onlyQc = await run({
    resource: 'deliverable',
    operation: 'download',
    sampleId: sample.id,
    fileTypes: 'qc',
    binaryPropertyName: 'file',
  });
  expect(onlyQc.items.map((i) => i.json.fileType)).toEqual(['qc']);
  for (const item of out.items.slice(0, sample.files.length)) {
    const file = sample.files.find((f) => f.id === item.json.fileId)!;
    const expected = await env.sandbox.control.s3Object(file.bucket, file.key);
    const got = await env.n8n.readBinary(item.binary!.file!);
    expect(got.equals(expected!)).toBe(true);
    expect(item.binary!.file!.fileName).toBe(file.filename);
    // BAM/BAI/TBI are binary, never n8n's text/plain fallback
    expect(item.binary!.file!.mimeType).toBe(
      /\.(gz|json|pdf)$/.test(file.filename)
        ? { gz: 'application/gzip', json: 'application/json', pdf: 'application/pdf' }[
            file.filename.split('.').at(-1) as 'gz'
          ]
        : 'application/octet-stream',
    );
    expect(item.json.sha256).toBe(file.checksum_sha256 || item.json.sha256);
  }

  const vcf = sample.files[0]!;
  const urls = await run({
    resource: 'deliverable',
    operation: 'getUrls',
    sampleId: sample.id,
    fileTypes: vcf.file_type,
  });
  const files = urls.items[0]!.json.files as Record<string, { download_url: string }>;
  expect(Object.keys(files)).toEqual([vcf.file_type]);
  expect(files[vcf.file_type]!.download_url).toMatch(/^http:\/\/127\.0\.0\.1/);
  // the spec §9.8 entry, as `gencove download --download-urls` writes it
  const entry = urls.items[0]!.json as { last_status: Record<string, unknown> };
  expect(Object.keys(entry)).toEqual([
    'gencove_id',
    'client_id',
    'last_status',
    'archive_last_status',
    'files',
  ]);
  expect(Object.keys(entry.last_status)).toEqual(['id', 'status', 'created']);
  expect(entry.last_status.created).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+\+00:00$/);

  const withSum = sample.files.find((f) => f.checksum_sha256)!;
  const sum = await run({
    resource: 'deliverable',
    operation: 'getChecksum',
    sampleId: sample.id,
    fileType: withSum.file_type,
  });
  expect(sum.items[0]!.json.sha256).toBe(withSum.checksum_sha256);

  const unknown = await run({
    resource: 'deliverable',
    operation: 'download',
    sampleId: sample.id,
    fileTypes: 'no-such-type',
  });
  expect(unknown.error?.message).toMatch(/no file of type no-such-type/);
  // Get Download URLs has no URL to give for the JSON files
  const noUrl = await run({
    resource: 'deliverable',
    operation: 'getUrls',
    sampleId: sample.id,
    fileTypes: 'qc',
  });
  expect(noUrl.error?.message).toMatch(/no file of type qc/);
});

test('deliverable: a corrupted download is refused', async () => {
  const { byClient } = await seeded();
  const sample = env.sandbox.control.getSample(String(byClient('SEED-A02-FAILQC').id))!;
  const withSum = sample.files.find((f) => f.checksum_sha256)!;
  env.sandbox.control.corruptDownloads(true);
  try {
    const out = await run({
      resource: 'deliverable',
      operation: 'download',
      sampleId: sample.id,
      fileTypes: withSum.file_type,
      binaryPropertyName: 'data',
    });
    expect(out.error?.message).toMatch(/SHA-256 mismatch/);
  } finally {
    env.sandbox.control.corruptDownloads(false);
  }
});

test('deliverable: an expired URL is renewed, a dropped connection resumed; archived samples fail with a hint', async () => {
  const { byClient } = await seeded();
  const sample = env.sandbox.control.getSample(String(byClient('SEED-A01').id))!;
  const vcf = sample.files.find((f) => f.file_type === 'impute-vcf')!;
  // the first GET is refused as an expired URL would be, the second drops half-way
  const match = { target: 's3' as const, method: 'GET', path: `/${vcf.bucket}/${vcf.key}` };
  env.sandbox.control.addFault({ match, fault: { type: 'status', status: 403 }, times: 1 });
  env.sandbox.control.addFault({ match, fault: { type: 'truncate' }, times: 1 });
  env.sandbox.control.clearRequests();
  const out = await run({
    resource: 'deliverable',
    operation: 'download',
    sampleId: sample.id,
    fileTypes: 'impute-vcf',
    binaryPropertyName: 'data',
  });
  env.sandbox.control.clearFaults();
  expect(out.error).toBeUndefined();
  expect(out.items[0]!.json).toMatchObject({ fileType: 'impute-vcf', verified: true });
  const got = await env.n8n.readBinary(out.items[0]!.binary!.data!);
  expect(got.equals((await env.sandbox.control.s3Object(vcf.bucket, vcf.key))!)).toBe(true);
  const s3Gets = env.sandbox.control.requests.filter(
    (r) => r.target === 's3' && r.method === 'GET',
  );
  expect(s3Gets[0]?.status).toBe(403);
  expect(s3Gets.length).toBeGreaterThanOrEqual(3);
  // one sample read by the node, one by core to start, one to renew the refused URL
  const sampleReads = env.sandbox.control.requests.filter(
    (r) => r.target === 'api' && r.path === `/api/v2/samples/${sample.id}`,
  );
  expect(sampleReads.length).toBeGreaterThanOrEqual(3);

  env.sandbox.control.archiveSamples([sample.id]);
  const archived = await run({
    resource: 'deliverable',
    operation: 'download',
    sampleId: sample.id,
    fileTypes: '',
  });
  expect(archived.error?.message).toMatch(/^Sample .* is archived/);
  expect(archived.error?.description).toMatch(/Sample → Restore/);
});
