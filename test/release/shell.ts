/** Commands of the release suite: run as a user types them, with their output kept for errors. */
import { spawn } from 'node:child_process';

export interface ShellResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface ShellOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Exit codes that are not a failure (default: 0 only). */
  allow?: number[];
}

/** `bash -eo pipefail -c <command>`; throws with the output when it exits with another code. */
export function sh(command: string, options: ShellOptions): Promise<ShellResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-eo', 'pipefail', '-c', command], {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if ((options.allow ?? [0]).includes(code ?? -1)) resolve({ code, stdout, stderr });
      else
        reject(
          new Error(
            `\`${command}\` (in ${options.cwd}) exited ${code}\n--- stdout\n${stdout.slice(-6000)}\n--- stderr\n${stderr.slice(-6000)}`,
          ),
        );
    });
  });
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
