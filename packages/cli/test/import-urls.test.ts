import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Sandbox, startSandbox } from '@gencove/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/run-cli.js';
import { createLabBucket, type LabBucket, labEnv } from './import-fixtures.js';

let sandbox: Sandbox;
let lab: LabBucket;

beforeAll(async () => {
  sandbox = await startSandbox({ pipeline: 'manual' });
  lab = await createLabBucket(sandbox);
});

afterAll(async () => {
  await lab?.close();
  await sandbox?.close();
});

const urlRequests = () =>
  sandbox.control.requests.filter(
    (r) => r.target === 'api' && r.path.startsWith('/api/v2/uploads-url'),
  );

const gencove = (args: string[]) => runCli(args, { env: labEnv(sandbox), cwd: lab.dir });

/** Objects for R1 and R2 of each client id, and map rows with URLs presigned for `expiresIn`. */
async function rowsFor(ids: string[], expiresIn?: number): Promise<string[][]> {
  const rows: string[][] = [];
  for (const id of ids) {
    for (const read of ['R1', 'R2']) {
      const key = `cli/${id}_${read}.fastq.gz`;
      await lab.put(key);
      rows.push([id, read, await lab.presign(key, expiresIn)]);
    }
  }
  return rows;
}

describe('gencove upload X.fastq-map.csv (URLs)', () => {
  it('imports, assigns with metadata, writes --output, and the samples run from the URLs', async () => {
    const rows = await rowsFor(['CLI-A1', 'CLI-A2']);
    await lab.writeMap(rows, 'happy.fastq-map.csv');
    const result = await gencove([
      'upload',
      'happy.fastq-map.csv',
      'gncv://cli-import-happy',
      '--run-project-id',
      sandbox.projects.default,
      '--metadata',
      '{"lab":"north"}',
      '--output',
      'out/samples.json',
    ]);
    expect(result.stderr).toContain('Importing 4 URLs into gncv://cli-import-happy/');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /Registered 4 URLs .* under gncv:\/\/cli-import-happy\/; 2 samples assigned/,
    );

    const output = await readFile(join(lab.dir, 'out/samples.json'), 'utf8');
    expect(output).toMatch(/^\[\n {4}\{\n {8}"client_id": "CLI-A1",/); // spec §6.4: 4-space JSON
    const samples = JSON.parse(output) as Array<{
      client_id: string;
      sample: string;
      fastq: { r1: { upload: string } };
    }>;
    expect(samples.map((s) => s.client_id).sort()).toEqual(['CLI-A1', 'CLI-A2']);
    for (const s of samples) {
      const upload = sandbox.control.getUpload(s.fastq.r1.upload)!;
      expect(upload.destination_path).toBe(`gncv://cli-import-happy/${s.client_id}_R1.fastq.gz`);
      expect(upload.source_url).toBe(rows.find((r) => r[0] === s.client_id && r[1] === 'R1')![2]);
      expect(sandbox.control.getSample(s.sample)!.metadata).toEqual({ lab: 'north' });
    }
    await sandbox.control.advance(5_000);
    for (const s of samples)
      expect(sandbox.control.getSample(s.sample)!.last_status.status).toBe('succeeded');

    const signature = new URL(rows[0]![2]!).searchParams.get('X-Amz-Signature')!;
    expect(result.stdout + result.stderr).not.toContain(signature);
  });

  it('reports every map-file problem with its line number, exit 2, before any request', async () => {
    await lab.writeMap(
      [
        ['CLI_B1', 'R1', 'https://h.test/a_R1.fastq.gz'],
        ['CLI-B2', 'R3', 'https://h.test/b_R1.fastq.gz'],
        ['CLI-B3', 'R1', 'https://h.test/c_R1.FASTQ.GZ'],
        ['CLI-B4', 'R1', 'https://h.test/d_R1.fastq.gz'],
        ['CLI-B4', 'r1', 'https://h.test/e_R1.fastq.gz'],
        ['CLI-B5', 'R1', 'reads/CLI-B5_R1.fastq.gz'],
      ],
      'bad.fastq-map.csv',
    );
    sandbox.control.clearRequests();
    const result = await gencove(['upload', 'bad.fastq-map.csv']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /Invalid map file .*bad.fastq-map.csv \(6 problems; nothing was sent\)/,
    );
    expect(result.stderr).toMatch(/line 2: client_id "CLI_B1" contains "_"/);
    expect(result.stderr).toMatch(/line 3: r_notation must be R1 or R2/);
    expect(result.stderr).toMatch(/line 4: URL .* must name a file ending in/);
    expect(result.stderr).toMatch(
      /line 6: duplicate R1 for client_id "CLI-B4" \(first at line 5\)/,
    );
    expect(result.stderr).toMatch(/line 7: a local path in a map file of URLs/);
    expect(result.stderr).toMatch(/line 7: "reads\/CLI-B5_R1.fastq.gz" does not exist/);
    expect(sandbox.control.requests).toEqual([]);
  });

  it('warns about URLs expiring within the margin; --strict-expiry refuses them; --expiry-margin moves it', async () => {
    await lab.writeMap(await rowsFor(['CLI-C1'], 2 * 3600), 'short.fastq-map.csv');
    // X-Amz-Date has whole seconds: checked within the second it was signed, 2h are left.

    sandbox.control.clearRequests();
    const strict = await gencove(['upload', 'short.fastq-map.csv', '--strict-expiry']);
    expect(strict.code).toBe(2);
    expect(strict.stderr).toMatch(
      /line 2: .*CLI-C1_R1.fastq.gz: AWS S3 presigned URL expires in (1h 59m|2h) .* within the 1d margin/,
    );
    expect(strict.stderr).toMatch(/line 3: /);
    expect(urlRequests()).toEqual([]);

    const warned = await gencove(['upload', 'short.fastq-map.csv', '--dry-run']);
    expect(warned.code).toBe(0);
    expect(warned.stderr).toMatch(/WARNING: line 2 \(CLI-C1 R1\): .*expires in (1h 59m|2h) /);
    expect(warned.stdout.split('\n')[0]).toMatch(
      /^2\tCLI-C1\tR1\tgncv:\/\/cli-url-\d{14}-[0-9a-f]{32}\/CLI-C1_R1.fastq.gz\t20\d\d-.*Z\thttp:\/\/127.0.0.1:\d+\/lab-runs\/cli\/CLI-C1_R1.fastq.gz$/,
    );
    expect(urlRequests()).toEqual([]);

    const relaxed = await gencove([
      'upload',
      'short.fastq-map.csv',
      '--expiry-margin',
      '1h',
      '--json',
    ]);
    expect(relaxed.code).toBe(0);
    expect(relaxed.stderr).not.toContain('WARNING');
    const lines = relaxed.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; uploads?: unknown[] });
    expect(lines.at(-1)).toMatchObject({ type: 'result', warnings: [] });
    expect(lines.at(-1)!.uploads).toHaveLength(2);
    expect(relaxed.stdout).not.toMatch(/X-Amz-Signature=[0-9a-f]/);
  });

  it('--check-urls names the unreachable URL and registers nothing', async () => {
    const rows = await rowsFor(['CLI-D1']);
    await lab.writeMap(
      [...rows, ['CLI-D2', 'R1', `${sandbox.s3Url}/lab-runs/cli/missing_R1.fastq.gz`]],
      'check.fastq-map.csv',
    );
    sandbox.control.clearRequests();
    const result = await gencove(['upload', 'check.fastq-map.csv', '--check-urls']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/line 4: .*missing_R1.fastq.gz: unreachable: HTTP 403/);
    expect(result.stderr).not.toMatch(/line [23]:/);
    expect(urlRequests()).toEqual([]);
  });

  it('retries uploads-url through a 429 and a 503', async () => {
    await lab.writeMap((await rowsFor(['CLI-E1'])).slice(0, 1), 'retry.fastq-map.csv');
    const path = '/api/v2/uploads-url';
    sandbox.control.addFault({
      match: { method: 'POST', path },
      times: 1,
      fault: { type: 'status', status: 429 },
    });
    sandbox.control.addFault({
      match: { method: 'POST', path },
      times: 1,
      fault: { type: 'status', status: 503 },
    });
    sandbox.control.clearRequests();
    const result = await gencove(['upload', 'retry.fastq-map.csv']);
    expect(result.code).toBe(0);
    expect(urlRequests().map((r) => r.status)).toEqual([429, 503, 201]);
  });

  it('maps a refused project to exit 4 before registering anything', async () => {
    await lab.writeMap(await rowsFor(['CLI-F1']), 'project.fastq-map.csv');
    sandbox.control.clearRequests();
    const result = await gencove([
      'upload',
      'project.fastq-map.csv',
      '--run-project-id',
      sandbox.projects.other,
    ]);
    expect(result.code).toBe(4);
    expect(urlRequests()).toEqual([]);
  });
});
