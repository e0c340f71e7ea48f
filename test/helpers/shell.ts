/** Commands run as a user types them, with their output kept for assertions and errors. */
import { spawn } from 'node:child_process';

export interface ShellResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program to its end and collects its output (it never throws for an exit code). */
export function collect(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<ShellResult> {
  return new Promise((resolve, reject) => {
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
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export interface ShellOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Exit codes that are not a failure (default: 0 only). */
  allow?: number[];
}

/** `bash -eo pipefail -c <command>`; throws with the output when it exits with another code. */
export async function sh(command: string, options: ShellOptions): Promise<ShellResult> {
  const result = await collect('bash', ['-eo', 'pipefail', '-c', command], options);
  if ((options.allow ?? [0]).includes(result.code ?? -1)) return result;
  throw new Error(
    `\`${command}\` (in ${options.cwd}) exited ${result.code}\n--- stdout\n${result.stdout.slice(-6000)}\n--- stderr\n${result.stderr.slice(-6000)}`,
  );
}

/**
 * The environment without what an npm script run adds (npm_config_*, npm_lifecycle_*, …), so that
 * nested npm commands read only the configuration a user's shell would give them.
 */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (
      !/^npm_/i.test(name) &&
      !/^(INIT_CWD|TURBO_.*|VITEST.*|NODE_OPTIONS|NODE_ENV)$/.test(name)
    ) {
      env[name] = value;
    }
  }
  return { ...env, ...extra };
}
