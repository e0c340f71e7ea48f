import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Sandbox } from '@gencove/sandbox';

export const CLI_BIN = join(dirname(fileURLToPath(import.meta.url)), '../../dist/bin.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunCliOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  input?: string;
  /** Kill the process (SIGKILL, or `killSignal`) once this returns true for the output so far. */
  killWhen?: (stderr: string, stdout: string) => boolean;
  killSignal?: NodeJS.Signals;
  timeoutMs?: number;
}

/** The environment that points the built CLI at a sandbox, as a user would with env vars. */
export function sandboxEnv(sandbox: Sandbox, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GENCOVE_HOST: sandbox.url,
    GENCOVE_API_KEY: sandbox.apiKey,
    GENCOVE_LOCALSTACK_S3_ENDPOINT: sandbox.s3Url,
    ...extra,
  };
}

/** Runs the built `gencove` bin as a real process (no TTY) and collects its output. */
export function runCli(args: string[], options: RunCliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], {
      env: options.env ?? { PATH: process.env.PATH },
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    let killed = false;
    const check = () => {
      if (!killed && options.killWhen?.(stderr, stdout)) {
        killed = true;
        child.kill(options.killSignal ?? 'SIGKILL');
      }
    };
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      check();
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      check();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}
