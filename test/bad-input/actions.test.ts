/**
 * The bad-input corpus, GitHub Actions part: the committed action bundles run the way the runner
 * runs them (packages/github-action's own harness: node 24, INPUT_* variables, GITHUB_OUTPUT and
 * GITHUB_STEP_SUMMARY files). A bad input fails the step (exit 1) with one `::error::` naming the
 * input, before anything changes on the server, and no secret shows up in the log, the outputs
 * or the job summary.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Sandbox, startSandbox } from '@gencove/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunResult, runActionBundle } from '../../packages/github-action/test/runner.js';
import { fastq, listFiles } from '../helpers/files.js';
import { findLeaks } from '../helpers/secrets.js';

interface ActionCase {
  name: string;
  action: 'upload' | 'import-urls' | 'wait' | 'download';
  inputs: (c: { projectId: string }) => Record<string, string>;
  /** The one error annotation must match. */
  error: RegExp;
}

const CASES: ActionCase[] = [
  {
    name: 'upload: project-id is not a UUID',
    action: 'upload',
    inputs: () => ({ path: 'reads', 'project-id': 'plate-7' }),
    error: /Input "project-id": must be a UUID; got "plate-7"/,
  },
  {
    name: 'upload: metadata is not JSON',
    action: 'upload',
    inputs: (c) => ({ path: 'reads', 'project-id': c.projectId, metadata: "{'plate': 7}" }),
    error: /Input "metadata": must be JSON/,
  },
  {
    name: 'upload: concurrency 0',
    action: 'upload',
    inputs: () => ({ path: 'reads', concurrency: '0' }),
    error: /Input "concurrency": must be a whole number from 1 to \d+; got "0"/,
  },
  {
    name: 'upload: a destination that is not gncv://',
    action: 'upload',
    inputs: () => ({ path: 'reads', destination: 's3://bucket/x' }),
    error: /Input "destination": must start with gncv:\/\/.*got "s3:\/\/bucket\/x"/,
  },
  {
    name: 'upload: a shard that is not INDEX/TOTAL',
    action: 'upload',
    inputs: () => ({ path: 'reads', shard: '9/8' }),
    error: /Input "shard": must be INDEX\/TOTAL .*got "9\/8"/,
  },
  {
    name: 'import-urls: a map file that does not exist',
    action: 'import-urls',
    inputs: () => ({ 'map-file': 'missing.fastq-map.csv' }),
    error: /missing\.fastq-map\.csv.*(does not exist|cannot be read|no such file)/i,
  },
  {
    name: 'import-urls: a map file with a bad read notation',
    action: 'import-urls',
    inputs: () => ({ 'map-file': 'bad.fastq-map.csv' }),
    error:
      /Invalid map file .*bad\.fastq-map\.csv[\s\S]*line 2: r_notation must be R1 or R2 .*found "R3"/,
  },
  {
    name: 'wait: a timeout that is not a duration',
    action: 'wait',
    inputs: (c) => ({ 'project-id': c.projectId, timeout: 'soon' }),
    error: /Input "timeout": must be a duration .*got "soon"/,
  },
  {
    name: 'wait: fail-on with an unknown outcome',
    action: 'wait',
    inputs: (c) => ({ 'project-id': c.projectId, 'fail-on': 'failed, maybe' }),
    error: /Input "fail-on": "maybe" is not one of/,
  },
  {
    name: 'wait: sample-ids that are not UUIDs',
    action: 'wait',
    inputs: (c) => ({ 'project-id': c.projectId, 'sample-ids': 'S1' }),
    error: /Input "sample-ids": "S1" is not a sample ID \(UUID\)/,
  },
  {
    name: 'download: a template that climbs out of the destination',
    action: 'download',
    inputs: (c) => ({
      'project-id': c.projectId,
      destination: 'out',
      template: '../{default_filename}',
    }),
    error: /template.*\.\..*path segment/,
  },
  {
    name: 'download: an unknown status',
    action: 'download',
    inputs: (c) => ({ 'project-id': c.projectId, destination: 'out', status: 'done' }),
    error: /Input "status": must be one of .*got "done"/,
  },
];

let sb: Sandbox;
let projectId: string;
let root: string;
const results: RunResult[] = [];

beforeAll(async () => {
  // the runner's Node.js 24, as the action package's own tests install it
  const installer = new URL(
    '../../packages/github-action/scripts/install-node24.mjs',
    import.meta.url,
  );
  const { installNode24 } = (await import(installer.href)) as { installNode24(): string };
  installNode24();
  sb = await startSandbox({ pipeline: 'instant' });
  projectId = sb.projects.empty;
  root = await mkdtemp(join(tmpdir(), 'gencove-bad-actions-'));
}, 120_000);

afterAll(async () => {
  await sb?.close();
  await rm(root, { recursive: true, force: true });
});

describe('bad action inputs (committed bundles)', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const workspace = join(root, c.name.replace(/[^a-z0-9]+/gi, '-'));
    await mkdir(join(workspace, 'reads'), { recursive: true });
    await writeFile(join(workspace, 'reads', 'S1_R1.fastq.gz'), fastq('S1_R1'));
    await writeFile(
      join(workspace, 'bad.fastq-map.csv'),
      'client_id,r_notation,path\nS1,R3,https://lab.example.org/S1_R1.fastq.gz\n',
    );
    const before = await listFiles(workspace);
    sb.control.clearRequests();
    const result = await runActionBundle(c.action, {
      inputs: { 'api-key': sb.apiKey, host: sb.url, ...c.inputs({ projectId }) },
      env: { GENCOVE_LOCALSTACK_S3_ENDPOINT: sb.s3Url },
      cwd: workspace,
    });
    results.push(result);
    expect(result.exitCode, result.stdout).toBe(1);
    // one error for the step; map-file problems may also be annotated on their file and line
    const general = result.errors.filter((e) => !e.startsWith('[file='));
    expect(general, JSON.stringify(result.errors)).toEqual([expect.stringMatching(c.error)]);
    const writes = sb.control.requests.filter((r) => r.method !== 'GET' && r.method !== 'HEAD');
    expect(writes.map((r) => `${r.method} ${r.path}`)).toEqual([]);
    expect(await listFiles(workspace)).toEqual(before);
  });

  it('no secret in any log line, output or job summary of these runs', () => {
    const sources = results.flatMap((r, i) => [
      { where: `action run ${i} stdout`, text: r.stdout },
      { where: `action run ${i} stderr`, text: r.stderr },
      { where: `action run ${i} summary`, text: r.summary },
      { where: `action run ${i} outputs`, text: JSON.stringify(r.outputs) },
    ]);
    const logLines = (r: RunResult) =>
      `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => !l.startsWith('::add-mask::'));
    const withoutMasks = results.map((r, i) => ({
      where: `run ${i}`,
      text: logLines(r).join('\n'),
    }));
    expect(results).toHaveLength(CASES.length);
    expect(
      findLeaks(
        [...sources.filter((s) => !s.where.endsWith('stdout')), ...withoutMasks],
        sb.control.issuedSecrets(),
      ),
    ).toEqual([]);
  });
});
