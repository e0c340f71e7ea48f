import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ActionIo } from '../shared/action-io.js';
import type { ConnectionInputs } from '../shared/client.js';
import { InputError } from '../shared/inputs.js';
import { SummaryBuilder } from '../shared/summary.js';

export const TOOL_NAME = 'gencove';
export const CLI_FILE = 'gencove-cli.mjs';

export interface SetupInputs {
  connection: ConnectionInputs;
}

export interface SetupDeps {
  io: ActionIo;
  /** The single-file CLI bundle shipped next to this action's bundle. */
  bundledCli: string;
  /** The Node.js that runs the launcher: the runner's own node24. */
  nodePath: string;
  /** Folder for the per-job launcher (`RUNNER_TEMP`). */
  tempDir: string;
  platform: NodeJS.Platform;
  toolCache: {
    find(tool: string, version: string): string;
    cacheFile(source: string, target: string, tool: string, version: string): Promise<string>;
  };
  addPath(dir: string): void;
  exportVariable(name: string, value: string): void;
  /** Runs `command args…` and returns its standard output. */
  exec(command: string, args: string[]): Promise<string>;
}

export interface SetupResult {
  version: string;
  binDir: string;
  cliPath: string;
  cacheHit: boolean;
}

/**
 * Puts `gencove` on PATH: the CLI bundle is cached in the tool cache under its version (and
 * re-cached when the cached file's SHA-256 differs, so a rebuilt bundle with an unchanged
 * version is never served stale), and a launcher that runs it with the runner's Node.js is
 * written to a per-job folder, because the runner's Node.js path is not stable across jobs.
 */
export async function runSetup(inputs: SetupInputs, deps: SetupDeps): Promise<SetupResult> {
  const { io } = deps;
  const exported = exportedConnection(inputs.connection);
  // The bundle is the truth about its version: ask it rather than trusting a build-time constant.
  const version = (await deps.exec(deps.nodePath, [deps.bundledCli, '--version'])).trim();
  if (!/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(version)) {
    throw new Error(
      `The bundled gencove CLI reported an unexpected version ${JSON.stringify(version)}.`,
    );
  }
  const digest = await sha256(deps.bundledCli);
  let toolDir = deps.toolCache.find(TOOL_NAME, version);
  const cacheHit =
    toolDir !== '' && (await sha256(join(toolDir, CLI_FILE)).catch(() => '')) === digest;
  if (!cacheHit) {
    toolDir = await deps.toolCache.cacheFile(deps.bundledCli, CLI_FILE, TOOL_NAME, version);
  }
  const cliPath = join(toolDir, CLI_FILE);
  io.info(`${cacheHit ? 'Found' : 'Cached'} gencove ${version} in the tool cache: ${toolDir}`);

  const binDir = join(deps.tempDir, 'gencove-cli-bin');
  await mkdir(binDir, { recursive: true });
  const launcher = await writeLauncher(binDir, deps.nodePath, cliPath, deps.platform);
  const printed = (await deps.exec(launcher, ['--version'])).trim();
  if (printed !== version) {
    throw new Error(
      `The installed gencove launcher printed ${JSON.stringify(printed)} for --version, expected ${version}.`,
    );
  }
  deps.addPath(binDir);
  io.info(`gencove ${version} is on PATH (${binDir}).`);

  for (const [name, value] of Object.entries(exported)) deps.exportVariable(name, value);

  io.setOutput('version', version);
  io.setOutput('path', binDir);
  io.setOutput('cache-hit', String(cacheHit));
  await io.writeSummary(
    new SummaryBuilder().heading('Gencove CLI').facts([
      ['version', { code: version }],
      ['tool cache', cacheHit ? 'hit' : 'miss'],
      ['environment', Object.keys(exported).join(', ') || 'none exported'],
    ]),
  );
  return { version: version, binDir, cliPath, cacheHit };
}

/**
 * The `GENCOVE_*` variables later `gencove` steps read, from the connection inputs (checked
 * before anything is installed: the CLI refuses an API key and an e-mail together).
 */
export function exportedConnection(connection: ConnectionInputs): Record<string, string> {
  const { apiKey, email, password, host } = connection;
  if (apiKey && (email || password)) {
    throw new InputError('api-key', 'give api-key or email + password, not both.');
  }
  if (Boolean(email) !== Boolean(password)) {
    throw new InputError(email ? 'password' : 'email', 'email and password go together.');
  }
  return {
    ...(apiKey ? { GENCOVE_API_KEY: apiKey } : {}),
    ...(email ? { GENCOVE_EMAIL: email } : {}),
    ...(password ? { GENCOVE_PASSWORD: password } : {}),
    ...(host ? { GENCOVE_HOST: host } : {}),
  };
}

async function writeLauncher(
  binDir: string,
  nodePath: string,
  cliPath: string,
  platform: NodeJS.Platform,
): Promise<string> {
  if (platform === 'win32') {
    const launcher = join(binDir, 'gencove.cmd');
    await writeFile(launcher, `@echo off\r\n"${nodePath}" "${cliPath}" %*\r\n`);
    return launcher;
  }
  const launcher = join(binDir, 'gencove');
  await writeFile(
    launcher,
    `#!/bin/sh\nexec ${shellQuote(nodePath)} ${shellQuote(cliPath)} "$@"\n`,
  );
  await chmod(launcher, 0o755);
  return launcher;
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

function sha256(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('error', reject)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolve(hash.digest('hex')));
  });
}
