import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as core from '@actions/core';
import * as toolCache from '@actions/tool-cache';
import { readConnectionInputs } from '../shared/client.js';
import { runAction } from '../shared/runtime.js';
import { CLI_FILE, runSetup } from './run.js';

const run = promisify(execFile);

await runAction(async ({ inputs, io }) => {
  await runSetup(
    { connection: readConnectionInputs(inputs, io, process.env) },
    {
      io,
      bundledCli: join(dirname(fileURLToPath(import.meta.url)), CLI_FILE),
      nodePath: process.execPath,
      tempDir: process.env.RUNNER_TEMP || tmpdir(),
      platform: process.platform,
      toolCache,
      addPath: (dir) => core.addPath(dir),
      exportVariable: (name, value) => core.exportVariable(name, value),
      exec: async (command, args) =>
        (await run(command, args, { shell: command.endsWith('.cmd') })).stdout,
    },
  );
});
