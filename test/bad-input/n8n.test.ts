/**
 * The bad-input corpus, n8n part: node parameters run through packages/n8n-nodes' own in-process
 * n8n (the built package loaded as n8n loads it, n8n-core's execution engine). A bad parameter
 * fails the node with one error naming the parameter or the item, before anything changes on
 * the server; neither the error nor the output items carry a secret.
 */
import { type Sandbox, startSandbox } from '@gencove/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findLeaks } from '../helpers/secrets.js';

interface NodeRun {
  items: Array<{ json: unknown }>;
  error?: Error & { description?: string };
}

interface Harness {
  runNode(type: string, parameters: Record<string, unknown>, input: unknown[]): Promise<NodeRun>;
  binary(data: Buffer, fileName: string): Promise<unknown>;
  close(): void;
}

// The harness must be loaded before anything else of n8n (it sets n8n's user folder first); it
// is imported by path, as it lives in the n8n package's tests.
const HARNESS = new URL('../../packages/n8n-nodes/test/harness/n8n.mts', import.meta.url).href;

interface NodeCase {
  name: string;
  parameters: (c: { sb: Sandbox }) => Record<string, unknown>;
  input?: (h: Harness) => Promise<unknown[]>;
  error: RegExp;
}

const CASES: NodeCase[] = [
  {
    name: 'sample get: a sample ID that is not a UUID',
    parameters: () => ({ resource: 'sample', operation: 'get', sampleId: 'not-a-uuid' }),
    error: /sampleId must be a UUID, got "not-a-uuid"/,
  },
  {
    name: 'sample get many: a project ID that is not a UUID',
    parameters: () => ({
      resource: 'sample',
      operation: 'getAll',
      projectId: 'plate-7',
      returnAll: true,
    }),
    error: /projectId must be a UUID, got "plate-7"/,
  },
  {
    name: 'sample set metadata: metadata that is not JSON',
    parameters: (c) => ({
      resource: 'sample',
      operation: 'setMetadata',
      sampleId: c.sb.projects.default,
      metadata: "{'plate': 7}",
    }),
    error: /The parameter "metadata" is not valid JSON/,
  },
  {
    name: 'import from URLs: an ftp:// URL',
    parameters: () => ({
      resource: 'upload',
      operation: 'importUrls',
      urlSource: 'fields',
      clientId: 'S1',
      r1Url: 'ftp://storage.example.net/S1_R1.fastq.gz',
      r2Url: '',
    }),
    error: /Item 0: path "ftp:\/\/storage\.example\.net\/S1_R1\.fastq\.gz" is not an http\(s\) URL/,
  },
  {
    name: 'import from URLs: a destination that is not gncv://',
    parameters: () => ({
      resource: 'upload',
      operation: 'importUrls',
      urlSource: 'fields',
      clientId: 'S1',
      r1Url: 'https://storage.example.net/S1_R1.fastq.gz',
      r2Url: '',
      destination: 's3://bucket/x',
    }),
    error: /Invalid destination "s3:\/\/bucket\/x": it must start with gncv:\/\//,
  },
  {
    name: 'upload from binary: an item without the binary property',
    parameters: () => ({
      resource: 'upload',
      operation: 'uploadBinary',
      binaryPropertyName: 'reads',
      destination: 'gncv://n8n-bad/',
    }),
    error: /binary file 'reads', but none was found \[item 0\]/,
  },
  {
    name: 'upload from binary: a file name that is not a FASTQ',
    parameters: () => ({
      resource: 'upload',
      operation: 'uploadBinary',
      binaryPropertyName: 'data',
      destination: 'gncv://n8n-bad/',
    }),
    input: async (h) => [
      { json: {}, binary: { data: await h.binary(Buffer.from('x'), 'notes.txt') } },
    ],
    error: /Item 0: file name "notes\.txt" must end in \.fastq\.gz/,
  },
];

let sb: Sandbox;
let harness: Harness;
const runs: NodeRun[] = [];

beforeAll(async () => {
  const { createHarness } = (await import(HARNESS)) as {
    createHarness(credentials: Record<string, Record<string, string>>): Promise<Harness>;
  };
  sb = await startSandbox({ pipeline: 'instant' });
  harness = await createHarness({
    gencoveApi: { apiKey: sb.apiKey, host: sb.url, s3Endpoint: sb.s3Url },
    gencoveEmailApi: { email: sb.email, password: sb.password, host: sb.url, s3Endpoint: sb.s3Url },
    gencoveWebhookSecretApi: { secret: 'whsec-bad-input-3c9e51' },
  });
}, 120_000);

afterAll(async () => {
  harness?.close();
  await sb?.close();
});

describe('bad n8n node parameters', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    sb.control.clearRequests();
    const input = c.input ? await c.input(harness) : [];
    const run = await harness.runNode('gencove', c.parameters({ sb }), input);
    runs.push(run);
    expect(run.error, JSON.stringify(run.items)).toBeDefined();
    expect(`${run.error!.message} ${run.error!.description ?? ''}`).toMatch(c.error);
    const writes = sb.control.requests.filter((r) => r.method !== 'GET' && r.method !== 'HEAD');
    expect(writes.map((r) => `${r.method} ${r.path}`)).toEqual([]);
  });

  it('no secret in any error or output item', () => {
    const sources = runs.map((r, i) => ({
      where: `node run ${i}`,
      text: JSON.stringify({
        items: r.items,
        message: r.error?.message,
        description: r.error?.description,
        error: r.error,
      }),
    }));
    expect(runs).toHaveLength(CASES.length);
    expect(findLeaks(sources, [...sb.control.issuedSecrets(), 'whsec-bad-input-3c9e51'])).toEqual(
      [],
    );
  });
});
