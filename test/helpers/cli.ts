/**
 * Runs the built `gencove` bin as a real process, as a user or a CI job would, and keeps every
 * run's output so that the secrets sweep can scan all of it afterwards.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Sandbox } from '@gencove/sandbox';

/** The bin of the workspace's `@gencove/cli` (its package entry is dist/index.js). */
export const CLI_BIN = join(dirname(fileURLToPath(import.meta.resolve('@gencove/cli'))), 'bin.js');

export interface CliRun {
  args: string[];
  code: number | null;
  stdout: string;
  stderr: string;
  /** Wall time of the run. */
  ms: number;
}

export interface CliOptions {
  env: NodeJS.ProcessEnv;
  cwd?: string;
  input?: string;
  timeoutMs?: number;
}

/** Every run of this test process, in order (for leak scans). */
export const transcript: CliRun[] = [];

export function gencove(args: string[], options: CliOptions): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], {
      env: options.env,
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const started = performance.now();
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 240_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const run = { args, code, stdout, stderr, ms: Math.round(performance.now() - started) };
      transcript.push(run);
      resolve(run);
    });
    child.stdin.end(options.input ?? '');
  });
}

/** The exit codes `gencove --help` documents (its "Exit codes:" table). */
export async function documentedExitCodes(): Promise<Set<number>> {
  const help = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, '--help'], {
      env: { PATH: process.env.PATH },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
    });
    child.on('error', reject);
    child.on('close', () => resolve(out));
  });
  const table = help.split(/^Exit codes:$/m)[1] ?? '';
  const codes = [...table.matchAll(/^ {2}(\d+) {2,}\S/gm)].map((m) => Number(m[1]));
  if (!codes.includes(0)) throw new Error(`no exit code table in gencove --help:\n${help}`);
  return new Set(codes);
}

/** No AWS configuration of the machine running the tests, and never the instance metadata. */
export const NO_AWS_CONFIG = {
  AWS_CONFIG_FILE: '/nonexistent/aws-config',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

/**
 * The AWS secret key the CLI gets for the sandbox's S3 (which checks the access key `S3RVER`, not
 * SigV4 signatures): a distinctive value, so that the leak scans can look for it.
 */
export const AWS_TEST_SECRET = 'aws-secret-e2e-Qm7x2Lp9Vc4t';

/** The environment pointing the CLI at a sandbox; the AWS chain gets the sandbox's admin key. */
export function sandboxEnv(sb: Sandbox, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GENCOVE_HOST: sb.url,
    GENCOVE_API_KEY: sb.apiKey,
    GENCOVE_LOCALSTACK_S3_ENDPOINT: sb.s3Url,
    ...NO_AWS_CONFIG,
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: AWS_TEST_SECRET,
    AWS_REGION: 'us-east-1',
    ...extra,
  };
}
