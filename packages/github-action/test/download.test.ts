import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Sandbox, startSandbox } from '@gencove/sandbox';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { samplesByClientId, sandboxInputs, withIssuedSecrets } from './helpers.js';
import { maskedValues, maskingViolations, type RunResult, runActionBundle } from './runner.js';

let sandbox: Sandbox;
let ids: Map<string, string>;
const id = (clientId: string) => ids.get(clientId)!;

beforeAll(async () => {
  sandbox = await startSandbox({ pipeline: 'instant' });
  ids = await samplesByClientId(sandbox, sandbox.projects.default);
});
afterAll(() => sandbox?.close());
beforeEach(() => {
  sandbox.control.clearFaults();
  sandbox.control.clearRequests();
  sandbox.control.corruptDownloads(false);
});

interface FileOutput {
  sample_id: string;
  client_id: string;
  file_type: string;
  path: string;
  bytes: number;
  outcome: string;
  verified: boolean;
  sha256?: string;
}

const filesOf = (result: RunResult) => JSON.parse(result.outputs.files ?? '[]') as FileOutput[];

async function listTree(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(root.length + 1))
    .sort();
}

describe('download action (bundle run as the runner runs it)', () => {
  it('delivers a project to a directory, verified, and reports every file', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'gh-download-'));
    const { result, issued } = await withIssuedSecrets(sandbox, () =>
      runActionBundle('download', {
        cwd,
        inputs: {
          ...sandboxInputs(sandbox),
          destination: 'results',
          'project-id': sandbox.projects.default,
          'skip-archived': 'true',
        },
      }),
    );
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    const files = filesOf(result);
    expect(files.length).toBeGreaterThan(0);
    expect(new Set(files.map((f) => f.client_id))).toEqual(new Set(['SEED-A01']));
    for (const file of files) {
      expect(file.outcome).toBe('downloaded');
      expect(file.path.startsWith(`results/SEED-A01/${id('SEED-A01')}/`)).toBe(true);
      const bytes = await readFile(join(cwd, file.path));
      expect(bytes.length).toBe(file.bytes);
      if (file.sha256) expect(createHash('sha256').update(bytes).digest('hex')).toBe(file.sha256);
    }
    // Deliverables are checked against the API's sha256; the generated qc/metadata JSON has none.
    expect(
      files
        .filter((f) => !f.verified)
        .map((f) => f.file_type)
        .sort(),
    ).toEqual(['metadata', 'qc']);
    expect(files.filter((f) => f.verified).length).toBeGreaterThan(0);
    expect(await listTree(join(cwd, 'results'))).toEqual(
      files.map((f) => f.path.slice('results/'.length)).sort(),
    );
    expect(result.outputs['download-path']).toBe(join(cwd, 'results'));
    expect(Number(result.outputs.bytes)).toBe(files.reduce((sum, f) => sum + f.bytes, 0));
    expect(result.outputs['sample-ids']).toBe(id('SEED-A01'));
    expect(result.warnings.some((w) => w.includes('archived'))).toBe(true);
    expect(result.summary).toContain('<h3>Gencove download</h3>');
    expect(result.summary).toContain(`<code>${files[0]!.path}</code>`);

    // Presigned URL signatures were masked before the transfers used them.
    expect(maskingViolations(result, sandbox.apiKey)).toEqual([]);
    const signatures = maskedValues(result).filter((v) => v !== sandbox.apiKey);
    expect(signatures.length).toBeGreaterThan(0);
    for (const signature of signatures) expect(maskingViolations(result, signature)).toEqual([]);
    // every presigned-URL signature the sandbox handed out during the run
    expect(issued.length).toBeGreaterThan(0);
    for (const secret of issued) expect(maskingViolations(result, secret)).toEqual([]);

    // Nightly re-run: nothing is fetched again.
    const again = await runActionBundle('download', {
      cwd,
      inputs: {
        ...sandboxInputs(sandbox),
        destination: 'results',
        'project-id': sandbox.projects.default,
        'skip-archived': 'true',
      },
    });
    expect(again.exitCode).toBe(0);
    expect(filesOf(again).map((f) => f.outcome)).toEqual(files.map(() => 'skipped'));
  });

  it('fails before any download when selected samples are archived, annotating each', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'gh-download-'));
    const result = await runActionBundle('download', {
      cwd,
      inputs: {
        ...sandboxInputs(sandbox),
        destination: 'out',
        'project-id': sandbox.projects.default,
      },
    });
    expect(result.exitCode).toBe(1);
    expect(result.errors[0]).toBe(
      `[title=Gencove: archived sample] SEED-A04 (${id('SEED-A04')}) is archived.`,
    );
    expect(result.errors.at(-1)).toMatch(/archived; nothing was downloaded\. Set restore: true/);
    expect(await listTree(join(cwd, 'out'))).toEqual([]);
    const skipped = await runActionBundle('download', {
      cwd,
      inputs: {
        ...sandboxInputs(sandbox),
        destination: 'out',
        'project-id': sandbox.projects.default,
        'file-types': 'ancestry-json',
        'skip-archived': 'true',
      },
    });
    expect(skipped.exitCode).toBe(0);
    expect(skipped.warnings.join('\n')).toMatch(/Skipped 1 archived sample.*set restore: true/);
    expect(skipped.warnings.join('\n')).not.toContain('--restore');
  });

  it('takes the statuses output of wait and a file-type filter', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'gh-download-'));
    const statuses = JSON.stringify([
      { id: id('SEED-A01'), client_id: 'SEED-A01', status: 'succeeded', outcome: 'succeeded' },
      {
        id: id('SEED-A02-FAILQC'),
        client_id: 'SEED-A02-FAILQC',
        status: 'failed qc',
        outcome: 'failed-qc',
      },
    ]);
    const result = await runActionBundle('download', {
      cwd,
      inputs: {
        ...sandboxInputs(sandbox),
        destination: 'out',
        'sample-ids': statuses,
        status: 'completed',
        'file-types': 'qc',
      },
    });
    expect(result.exitCode).toBe(0);
    const files = filesOf(result);
    expect(files.map((f) => [f.client_id, f.file_type])).toEqual(
      expect.arrayContaining([
        ['SEED-A01', 'qc'],
        ['SEED-A02-FAILQC', 'qc'],
      ]),
    );
    expect(files.every((f) => f.file_type === 'qc')).toBe(true);
  });

  it('fails the step on a checksum mismatch, with an annotation and the file marked failed', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'gh-download-'));
    sandbox.control.corruptDownloads(true);
    const result = await runActionBundle('download', {
      cwd,
      inputs: {
        ...sandboxInputs(sandbox),
        destination: 'out',
        'sample-ids': id('SEED-A01'),
      },
    });
    expect(result.exitCode).toBe(1);
    const failed = filesOf(result).filter((f) => f.outcome === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    expect(
      result.errors.some((e) => e.startsWith('[title=Gencove: checksum mismatch] SEED-A01')),
    ).toBe(true);
    expect(result.errors.at(-1)).toMatch(/could not be delivered[\s\S]*ERR_GENCOVE_CHECKSUM/);
    for (const file of failed) {
      await expect(readFile(join(cwd, file.path))).rejects.toThrow();
    }
  });

  it('shards a project over matrix jobs without overlap', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'gh-download-'));
    const base = {
      ...sandboxInputs(sandbox),
      destination: 'out',
      'project-id': sandbox.projects.default,
      status: 'all',
      'skip-archived': 'true',
      'file-types': 'qc',
    };
    const one = await runActionBundle('download', { cwd, inputs: { ...base, shard: '1/2' } });
    const two = await runActionBundle('download', { cwd, inputs: { ...base, shard: '2/2' } });
    expect(one.exitCode).toBe(0);
    expect(two.exitCode).toBe(0);
    const all = await runActionBundle('download', {
      cwd: await mkdtemp(join(tmpdir(), 'gh-download-')),
      inputs: base,
    });
    expect(all.exitCode).toBe(0);
    const key = (f: FileOutput) => `${f.sample_id} ${f.file_type}`;
    const a = filesOf(one).map(key);
    const b = filesOf(two).map(key);
    // no file in both shards, and together exactly the unsharded delivery
    expect(a.filter((k) => b.includes(k))).toEqual([]);
    expect([...a, ...b].sort()).toEqual(filesOf(all).map(key).sort());
    expect(new Set(filesOf(all).map((f) => f.client_id)).size).toBeGreaterThan(1);
    // every sample's files in one shard only
    const clientsA = new Set(filesOf(one).map((f) => f.client_id));
    expect(filesOf(two).filter((f) => clientsA.has(f.client_id))).toEqual([]);
  });

  it('rejects inconsistent inputs before any request', async () => {
    const both = await runActionBundle('download', {
      inputs: {
        ...sandboxInputs(sandbox),
        destination: 'x',
        'project-id': sandbox.projects.default,
        'sample-ids': id('SEED-A01'),
      },
    });
    expect(both.errors).toEqual([
      'Input "project-id": give project-id (every sample of a project) or sample-ids, exactly one of them.',
    ]);
    const since = await runActionBundle('download', {
      inputs: {
        ...sandboxInputs(sandbox),
        destination: 'x',
        'project-id': sandbox.projects.default,
        since: 'yesterday',
      },
    });
    expect(since.exitCode).toBe(1);
    expect(since.errors[0]).toMatch(/^Input "since": must be an ISO 8601 time/);
    const timeout = await runActionBundle('download', {
      inputs: {
        ...sandboxInputs(sandbox),
        destination: 'x',
        'project-id': sandbox.projects.default,
        restore: 'true',
        'restore-timeout': 'a while',
      },
    });
    expect(timeout.errors[0]).toMatch(/^Input "restore-timeout": must be a duration/);
    expect(sandbox.control.requests).toEqual([]);
  });

  it('errors the core job finds in inputs name the inputs, not the CLI flags', async () => {
    const template = await runActionBundle('download', {
      inputs: {
        ...sandboxInputs(sandbox),
        destination: 'x',
        'sample-ids': id('SEED-A01'),
        template: '{nope}/x',
      },
    });
    expect(template.exitCode).toBe(1);
    expect(template.errors[0]).toMatch(/^Input "template": Invalid template "\{nope\}\/x"/);
    const types = await runActionBundle('download', {
      inputs: {
        ...sandboxInputs(sandbox),
        destination: 'x',
        'sample-ids': id('SEED-A01'),
        'file-types': 'impute-vfc',
      },
    });
    expect(types.errors[0]).toMatch(/^Input "file-types": Invalid file-types "impute-vfc"/);
    expect(types.errors.join('\n')).not.toContain('--');
  });
});

describe('download action: s3:// destination, template, restore, since', () => {
  let own: Sandbox;
  beforeAll(async () => {
    own = await startSandbox({ pipeline: 'instant' });
  });
  afterAll(() => own?.close());

  const aws = {
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_REGION: 'us-east-1',
  };

  it('restores archived samples, then streams their files into a bucket under the template', async () => {
    const owned = await samplesByClientId(own, own.projects.default);
    const result = await runActionBundle('download', {
      env: aws,
      inputs: {
        ...sandboxInputs(own),
        destination: 's3://lab-external-data/gh-nightly/',
        'project-id': own.projects.default,
        'file-types': 'impute-vcf',
        template: '{client_id}/{file_type}.{file_extension}',
        restore: 'true',
        's3-endpoint': own.s3Url,
      },
    });
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.outputs['download-path']).toBe('s3://lab-external-data/gh-nightly/');
    const files = filesOf(result);
    expect(files.map((f) => f.client_id).sort()).toEqual(['SEED-A01', 'SEED-A04']);
    expect(result.outputs['sample-ids']!.split(',').sort()).toEqual(
      [owned.get('SEED-A01'), owned.get('SEED-A04')].sort(),
    );
    // the archived sample was restored first
    expect(
      own.control.requests.some(
        (r) => r.method === 'POST' && r.path.startsWith('/api/v2/project-restore-samples/'),
      ),
    ).toBe(true);
    for (const file of files) {
      expect(file.outcome).toBe('downloaded');
      expect(file.verified).toBe(true);
      const match = /^s3:\/\/lab-external-data\/(gh-nightly\/([^/]+)\/impute-vcf\.[\w.]+)$/.exec(
        file.path,
      );
      expect(match?.[2], file.path).toBe(file.client_id);
      const delivered = await own.control.s3Object('lab-external-data', match![1]!);
      const source = own.control
        .getSample(file.sample_id)!
        .files.find((f) => f.file_type === 'impute-vcf')!;
      expect(delivered?.equals((await own.control.s3Object(source.bucket, source.key))!)).toBe(
        true,
      );
      expect(delivered?.length).toBe(file.bytes);
    }
    expect(Number(result.outputs.bytes)).toBe(files.reduce((sum, f) => sum + f.bytes, 0));
    expect(result.summary).toContain('<code>s3://lab-external-data/gh-nightly/</code>');
  });

  it('since: delivers only the samples whose analysis finished since then; verify: false', async () => {
    const owned = await samplesByClientId(own, own.projects.default);
    const workspace = await mkdtemp(join(tmpdir(), 'gh-download-'));
    const run = (extra: Record<string, string> = {}) =>
      runActionBundle('download', {
        cwd: workspace,
        inputs: {
          ...sandboxInputs(own),
          destination: 'recent',
          'project-id': own.projects.default,
          status: 'completed',
          since: '7d',
          'file-types': 'impute-vcf',
          ...extra,
        },
      });
    // the seeded samples finished weeks ago
    const before = await run();
    expect(before.exitCode).toBe(0);
    expect(filesOf(before)).toEqual([]);
    await own.control.setSampleStatus(owned.get('SEED-A03-FAIL')!, 'succeeded');
    const after = await run({ verify: 'false' });
    expect(after.exitCode).toBe(0);
    expect(filesOf(after).map((f) => [f.client_id, f.outcome, f.verified])).toEqual([
      ['SEED-A03-FAIL', 'downloaded', false],
    ]);
    expect(await listTree(join(workspace, 'recent'))).toEqual(
      filesOf(after).map((f) => f.path.slice('recent/'.length)),
    );
    expect(Date.parse(after.outputs['high-water-mark']!)).toBeGreaterThan(Date.now() - 60_000);
  });
});
