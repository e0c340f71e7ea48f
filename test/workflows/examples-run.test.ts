/**
 * The shell steps of examples/github, run as the runner runs them (see job-runner.ts) in a
 * checkout shaped like the one each workflow gets, for the events that start it. Every `run:`
 * step of every example must have run in at least one scenario.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Sandbox, startSandbox } from '@gencove/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { installNode24 } from '../../packages/github-action/scripts/install-node24.mjs';
import { type JobResult, type JobRun, runJob, type Workflow } from './job-runner.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const examples = join(root, 'examples/github');
const ran = new Set<string>();

async function example(file: string): Promise<Workflow> {
  return parse(await readFile(join(examples, file), 'utf8')) as Workflow;
}

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Lab',
      GIT_AUTHOR_EMAIL: 'lab@example.invalid',
      GIT_COMMITTER_NAME: 'Lab',
      GIT_COMMITTER_EMAIL: 'lab@example.invalid',
    },
  });

/** A repository whose history is `commits` (each: files to write, on main), HEAD last. */
async function repository(
  commits: Array<Record<string, string> | { merge: Record<string, string> }>,
): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gh-origin-'));
  git(dir, 'init', '--quiet', '--initial-branch=main');
  for (const [n, commit] of commits.entries()) {
    const write = async (files: Record<string, string>) => {
      for (const [path, text] of Object.entries(files)) {
        await mkdir(dirname(join(dir, path)), { recursive: true });
        await writeFile(join(dir, path), text);
      }
      git(dir, 'add', '--all');
    };
    if ('merge' in commit) {
      // a pull request: a branch with the files, merged with a merge commit
      git(dir, 'checkout', '--quiet', '-b', `pr-${n}`);
      await write(commit.merge as Record<string, string>);
      git(dir, 'commit', '--quiet', '-m', `pull request ${n}`);
      git(dir, 'checkout', '--quiet', 'main');
      await write({ [`notes/${n}.md`]: 'meanwhile on main\n' });
      git(dir, 'commit', '--quiet', '-m', `main ${n}`);
      git(dir, 'merge', '--quiet', '--no-ff', '-m', `Merge pull request ${n}`, `pr-${n}`);
    } else {
      await write(commit as Record<string, string>);
      git(dir, 'commit', '--quiet', '-m', `commit ${n}`);
    }
  }
  return dir;
}

const contexts = (
  overrides: Partial<JobRun['contexts']> & { event?: string } = {},
): JobRun['contexts'] => ({
  github: { sha: 'f'.repeat(40), ref: 'refs/heads/main', event_name: overrides.event ?? 'push' },
  inputs: {},
  vars: { GENCOVE_PROJECT_ID: '11111111-2222-4333-8444-555555555555' },
  secrets: { GENCOVE_API_KEY: 'example-api-key' },
  matrix: {},
  ...overrides,
});

function record(file: string, job: string, result: JobResult): JobResult {
  for (const step of result.steps) {
    if (step.step.run !== undefined && !step.skipped && step.exitCode !== null) {
      ran.add(`${file} ${job} ${step.step.name ?? step.step.run.split('\n')[0]}`);
    }
  }
  return result;
}

const stepOf = (result: JobResult, id: string) => result.steps.find((s) => s.step.id === id)!;
const explain = (result: JobResult) =>
  result.failed ? `${result.failed.stdout}\n${result.failed.stderr}` : 'ok';

const SHEET = 'Sample_ID,Sample_Name\nS1,PLT7-A01\n';
const UPLOAD_OUTPUTS = {
  upload: { samples: '[{"client_id":"PLT7-A01","sample":"a"}]', 'sample-ids': 'a' },
  wait: { outcome: 'succeeded', 'failed-qc-ids': '' },
};

beforeAll(() => {
  installNode24();
});

describe('examples/github/upload-on-push.yml', () => {
  const file = 'upload-on-push.yml';

  it('push of a sample sheet: the run is the pushed folder (depth-2 checkout)', async () => {
    const origin = await repository([
      { 'runs/2026-11-20/SampleSheet.csv': SHEET, 'README.md': 'runs\n' },
      { 'runs/2026-11-24/SampleSheet.csv': SHEET },
    ]);
    const result = record(
      file,
      'upload',
      await runJob(await example(file), 'upload', {
        origin,
        contexts: contexts(),
        actionOutputs: UPLOAD_OUTPUTS,
      }),
    );
    expect(result.failed, explain(result)).toBeUndefined();
    expect(stepOf(result, 'run').outputs.name).toBe('2026-11-24');
    // the checkout is as shallow as the workflow asks: the commit and its parent
    expect(git(result.workspace, 'rev-list', '--count', 'HEAD').trim()).toBe('2');
    // no failed QC: the hand-over step is skipped
    expect(result.steps.at(-1)!.skipped).toBe(true);
  });

  it('a merged pull request that adds a sample sheet, and failed-QC samples handed over', async () => {
    const origin = await repository([
      { 'runs/2026-11-20/SampleSheet.csv': SHEET },
      { merge: { 'runs/2026-12-01/SampleSheet.csv': SHEET } },
    ]);
    const result = record(
      file,
      'upload',
      await runJob(await example(file), 'upload', {
        origin,
        contexts: contexts(),
        actionOutputs: {
          ...UPLOAD_OUTPUTS,
          wait: { outcome: 'failed-qc', 'failed-qc-ids': 'b,c' },
        },
      }),
    );
    expect(result.failed, explain(result)).toBeUndefined();
    expect(stepOf(result, 'run').outputs.name).toBe('2026-12-01');
    const handOver = result.steps.at(-1)!;
    expect(handOver.skipped).toBe(false);
    expect(handOver.stdout).toContain('::warning::Samples below QC thresholds: b,c');
  });

  it("the repository's first commit, and a run given by hand (workflow_dispatch)", async () => {
    const first = await repository([{ 'runs/2026-10-01/SampleSheet.csv': SHEET }]);
    const pushed = await runJob(await example(file), 'upload', {
      origin: first,
      contexts: contexts(),
      actionOutputs: UPLOAD_OUTPUTS,
    });
    expect(pushed.failed, explain(pushed)).toBeUndefined();
    expect(stepOf(pushed, 'run').outputs.name).toBe('2026-10-01');

    const other = await repository([{ 'README.md': 'x\n' }, { 'docs/a.md': 'y\n' }]);
    const dispatched = await runJob(await example(file), 'upload', {
      origin: other,
      contexts: contexts({ event: 'workflow_dispatch', inputs: { run: '2026-11-30' } }),
      actionOutputs: UPLOAD_OUTPUTS,
    });
    expect(dispatched.failed, explain(dispatched)).toBeUndefined();
    expect(stepOf(dispatched, 'run').outputs.name).toBe('2026-11-30');
  });

  it('fails with a message, not exit 128, when nothing names a run or the checkout is too shallow', async () => {
    const origin = await repository([{ 'README.md': 'x\n' }, { 'docs/a.md': 'y\n' }]);
    const nothing = await runJob(await example(file), 'upload', {
      origin,
      contexts: contexts(),
      actionOutputs: UPLOAD_OUTPUTS,
    });
    expect(nothing.failed?.step.id).toBe('run');
    expect(nothing.failed?.exitCode).toBe(1);
    expect(nothing.failed?.stdout).toContain('::error::No run to upload');

    // the checkout the example had before (actions/checkout's default depth of 1)
    const shallow = await example(file);
    delete shallow.jobs.upload!.steps[0]!.with;
    const sheets = await repository([
      { 'runs/2026-11-20/SampleSheet.csv': SHEET },
      { 'runs/2026-11-24/SampleSheet.csv': SHEET },
    ]);
    const result = await runJob(shallow, 'upload', {
      origin: sheets,
      contexts: contexts(),
      actionOutputs: UPLOAD_OUTPUTS,
    });
    expect(result.failed?.exitCode).toBe(1);
    expect(result.failed?.stdout).toContain('keep fetch-depth: 2');
  });
});

describe('examples/github/import-urls.yml', () => {
  it('push of a map file: the step names it (depth-2 checkout)', async () => {
    const file = 'import-urls.yml';
    const origin = await repository([
      { 'imports/batch-6.fastq-map.csv': 'client_id,r_notation,path\n' },
      { 'imports/batch-7.fastq-map.csv': 'client_id,r_notation,path\n', 'notes.md': 'x\n' },
    ]);
    const result = record(
      file,
      'import',
      await runJob(await example(file), 'import', { origin, contexts: contexts() }),
    );
    expect(result.failed, explain(result)).toBeUndefined();
    expect(stepOf(result, 'map').outputs.file).toBe('imports/batch-7.fastq-map.csv');
  });
});

describe('examples/github/nightly-delivery.yml', () => {
  it('the scheduled run reports what its shard delivered', async () => {
    const file = 'nightly-delivery.yml';
    const result = record(
      file,
      'deliver',
      await runJob(await example(file), 'deliver', {
        contexts: contexts({ event: 'schedule', matrix: { shard: 2 } }),
        actionOutputs: { deliver: { bytes: '73400320', 'sample-ids': 'a,b,c' } },
      }),
    );
    expect(result.failed, explain(result)).toBeUndefined();
    expect(result.steps.at(-1)!.stdout).toContain('Delivered 73400320 bytes of samples a,b,c');
  });
});

describe('examples/github/large-batch-upload.yml', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ pipeline: 'instant' });
  });
  afterAll(() => sandbox?.close());

  it('report: gencove set up by gencove/setup lists the samples of the project', async () => {
    const file = 'large-batch-upload.yml';
    const toolCache = await mkdtemp(join(tmpdir(), 'gh-tool-cache-'));
    const result = record(
      file,
      'report',
      await runJob(await example(file), 'report', {
        contexts: contexts({
          event: 'workflow_dispatch',
          inputs: { batch: 'b1' },
          vars: { GENCOVE_PROJECT_ID: sandbox.projects.default },
          secrets: { GENCOVE_API_KEY: sandbox.apiKey },
        }),
        // the runner machine points gencove at the sandbox (the example relies on the default host)
        env: { GENCOVE_HOST: sandbox.url },
        toolCache,
      }),
    );
    expect(result.failed, explain(result)).toBeUndefined();
    const listed = await readFile(join(result.workspace, 'samples.tsv'), 'utf8');
    expect(listed).toContain('SEED-A01');
  });
});

describe('coverage', () => {
  it('every run: step of every example ran in a scenario above', async () => {
    const all: string[] = [];
    for (const file of (await readdir(examples)).filter((f) => f.endsWith('.yml'))) {
      const workflow = await example(file);
      for (const [job, { steps }] of Object.entries(workflow.jobs)) {
        for (const step of steps) {
          if (step.run !== undefined)
            all.push(`${file} ${job} ${step.name ?? step.run.split('\n')[0]}`);
        }
      }
    }
    expect(all.length).toBeGreaterThanOrEqual(5);
    expect(all.filter((step) => !ran.has(step))).toEqual([]);
  });
});
