/**
 * Runs one job of a workflow the way a GitHub runner runs its shell steps: in a workspace shaped
 * like the checkout the job gets (`actions/checkout` clones the pushed commit with its
 * `fetch-depth`, 1 by default), each `run:` step as a script under `bash -eo pipefail` with
 * `${{ … }}` expanded first, its `env:`, `if:` and the GITHUB_OUTPUT / GITHUB_ENV / GITHUB_PATH
 * files the runner reads back. `gencove/setup` is run for real (the committed bundle, as the
 * runner runs it); the other actions are not run: the test gives the outputs later steps read.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFileCommand, runActionBundle } from '../../packages/github-action/test/runner.js';
import { collect } from '../helpers/shell.js';
import { type Contexts, evaluate, expand } from './expressions.js';

export interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
}
export interface Workflow {
  jobs: Record<string, { steps: Step[] }>;
}

export interface JobRun {
  /** The repository `actions/checkout` fetches from (a local git repository). */
  origin?: string;
  contexts: Omit<Contexts, 'steps'>;
  /** Outputs of the steps that use an action this runner does not run, by step id. */
  actionOutputs?: Record<string, Record<string, string>>;
  /** The runner machine's environment (a self-hosted runner's .env, for instance). */
  env?: Record<string, string>;
  toolCache?: string;
}

export interface StepResult {
  step: Step;
  skipped: boolean;
  exitCode: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
}

export interface JobResult {
  steps: StepResult[];
  workspace: string;
  /** The first failed step, if any (the job stops there, as on GitHub). */
  failed?: StepResult;
}

export async function runJob(workflow: Workflow, jobName: string, job: JobRun): Promise<JobResult> {
  const steps = workflow.jobs[jobName]?.steps;
  if (!steps) throw new Error(`no job ${jobName}`);
  const runner = await mkdtemp(join(tmpdir(), 'gh-job-'));
  const workspace = join(runner, 'workspace');
  await mkdir(workspace);
  const contexts: Contexts = { ...job.contexts, steps: {} };
  let env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? runner,
    LANG: 'C.UTF-8',
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: workspace,
    RUNNER_TEMP: join(runner, 'temp'),
    ...job.env,
  };
  await mkdir(env.RUNNER_TEMP!, { recursive: true });
  const extraPath: string[] = [];
  const results: JobResult = { steps: [], workspace };

  for (const [index, step] of steps.entries()) {
    const condition = step.if === undefined ? true : evaluate(step.if, contexts);
    const result: StepResult = {
      step,
      skipped: !condition,
      exitCode: 0,
      stdout: '',
      stderr: '',
      outputs: {},
    };
    results.steps.push(result);
    if (condition) {
      if (step.uses?.startsWith('actions/checkout@')) {
        if (!job.origin) throw new Error(`${jobName}: the job checks out, but no origin was given`);
        // actions/checkout: the pushed commit, `fetch-depth` commits deep (0: everything)
        const depth = Number(step.with?.['fetch-depth'] ?? 1);
        execFileSync('git', [
          'clone',
          '--quiet',
          ...(depth > 0 ? ['--depth', String(depth)] : []),
          `file://${job.origin}`,
          workspace,
        ]);
      } else if (step.uses && /^gencove\/setup@/.test(step.uses)) {
        const inputs = Object.fromEntries(
          Object.entries(step.with ?? {}).map(([k, v]) => [k, expand(String(v), contexts)]),
        );
        const run = await runActionBundle('setup', {
          inputs,
          env: job.env,
          cwd: workspace,
          toolCache: job.toolCache,
        });
        Object.assign(result, { exitCode: run.exitCode, stdout: run.stdout, stderr: run.stderr });
        result.outputs = run.outputs;
        env = { ...env, ...run.exportedEnv };
        extraPath.unshift(...run.path);
      } else if (step.uses) {
        result.outputs = (step.id && job.actionOutputs?.[step.id]) || {};
      } else if (step.run !== undefined) {
        const files = {
          GITHUB_OUTPUT: join(runner, `output-${index}`),
          GITHUB_ENV: join(runner, `env-${index}`),
          GITHUB_PATH: join(runner, `path-${index}`),
          GITHUB_STEP_SUMMARY: join(runner, `summary-${index}`),
        };
        for (const file of Object.values(files)) await writeFile(file, '');
        const stepEnv = Object.fromEntries(
          Object.entries(step.env ?? {}).map(([k, v]) => [k, expand(String(v), contexts)]),
        );
        const script = join(runner, `step-${index}.sh`);
        await writeFile(script, expand(step.run, contexts));
        const run = await collect('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {
          cwd: workspace,
          env: {
            ...env,
            ...stepEnv,
            ...files,
            PATH: [...extraPath, env.PATH].join(':'),
          },
        });
        Object.assign(result, { exitCode: run.code, stdout: run.stdout, stderr: run.stderr });
        result.outputs = parseFileCommand(await readFile(files.GITHUB_OUTPUT, 'utf8'));
        env = { ...env, ...parseFileCommand(await readFile(files.GITHUB_ENV, 'utf8')) };
        extraPath.unshift(
          ...(await readFile(files.GITHUB_PATH, 'utf8')).split('\n').filter(Boolean).reverse(),
        );
      }
    }
    if (step.id) contexts.steps[step.id] = { outputs: result.outputs };
    if (result.exitCode !== 0) {
      results.failed = result;
      break;
    }
  }
  return results;
}
